"Checks of the tools themselves, in seconds: `python -m tools selftest`."
import json, os, re, tempfile, unittest
from datetime import datetime
from pathlib import Path
from unittest import mock

import torch
from . import rows
from .experiments import catalogue, catalogue_file, train_args
from .frontier import budget_minutes, machine
from .scoring import score
from .sweep import setting

class ResultsWriter(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name)/'results.json'
    def tearDown(self): self.dir.cleanup()

    def test_provenance(self):
        new = rows.add_rows(self.path, [dict(name='a', seed=0, fid=1.)], command='python -m tools run --only a')
        r = json.loads(self.path.read_text())[0]
        self.assertEqual(new, [r])
        self.assertEqual(set(rows.provenance_fields) - set(r), set())
        self.assertRegex(r['commit'], r'^([0-9a-f]{4,40}(\+dirty)?|unknown)$')
        self.assertEqual(r['command'], 'python -m tools run --only a')
        self.assertRegex(r['hardware'], r'^.+, \d+ threads, torch \S+, cpu$')
        datetime.fromisoformat(r['date'])
        self.assertTrue(rows.command_line(['run', '--only', 'a b']).startswith("python -m tools run --only 'a b'"))

    def test_append_and_replace(self):
        rows.add_rows(self.path, [dict(name='a', seed=0, fid=1.), dict(name='b', seed=0, fid=2.)])
        rows.add_rows(self.path, [dict(name='a', seed=0, fid=3.)], same=('name', 'seed')) # replaces a's row, keeps b's
        self.assertEqual([(r['name'], r['fid']) for r in rows.read_rows(self.path)], [('b', 2.), ('a', 3.)])
        rows.add_rows(self.path, [dict(name='a', seed=0, fid=4.)]) # same=None: appends
        self.assertEqual([r['fid'] for r in rows.read_rows(self.path)], [2., 3., 4.])

    def test_atomic(self):
        rows.add_rows(self.path, [dict(name='a', seed=0)])
        before, inode = self.path.read_text(), self.path.stat().st_ino
        with self.assertRaises(TypeError): rows.add_rows(self.path, [dict(name='b', seed=0, bad=object())]) # cannot be written
        with mock.patch('os.replace', side_effect=OSError('disk gone')), self.assertRaises(OSError): # fails at the rename
            rows.add_rows(self.path, [dict(name='c', seed=0)])
        self.assertEqual(self.path.read_text(), before) # the old file is whole
        self.assertEqual(os.listdir(self.dir.name), ['results.json']) # no temporary file left behind
        rows.add_rows(self.path, [dict(name='d', seed=0)])
        self.assertNotEqual(self.path.stat().st_ino, inode) # a new file renamed into place, never rewritten in place

class Scoring(unittest.TestCase):
    def test_fields(self):
        labels = torch.arange(20) % 10
        r = score(lambda: torch.rand(20, 1, 32, 32) * 2 - 1, labels, dict(sampler='euler', steps=12, guidance_interval=(0.2, 10.)))
        self.assertEqual(list(r), ['sampler', 'sampler_steps', 'guidance_interval', 'sample_seconds', 'fid', 'kid', 'accuracy'])
        self.assertEqual(r['guidance_interval'], [0.2, 10.])

    def test_settings(self):
        self.assertEqual(setting('guidance 2.5 interval 0.2-5'), dict(guidance=2.5, guidance_interval=(0.2, 5.)))
        self.assertEqual(setting('steps 10'), dict(steps=10))
        self.assertEqual(setting('euler 4'), dict(sampler='euler', steps=4))
        self.assertEqual(setting('dpmpp_2m 25'), dict(sampler='dpmpp_2m', steps=25))
        with self.assertRaises(SystemExit): setting('guidance much')

class Straightness(unittest.TestCase):
    def test_rows(self):
        from miniai.diffusion_training import preset_config, Recipe
        from miniai.model import DiffusionUNet
        from miniai.runs import Run
        from .straightness import run_gaps
        run = Run(preset_config('tiny').updated(pred='flow'), Recipe(objective='flow'), cond=True, n_steps=100, preset='tiny')
        model = DiffusionUNet(run.model).eval()
        rows = run_gaps(model, run, None, steps=(1, 2, 4), reference=4, n=10)
        self.assertEqual([(r['sampler_steps'], r['reference_steps'], r['objective'], r['sampler']) for r in rows],
                         [(1, 4, 'flow', 'euler'), (2, 4, 'flow', 'euler'), (4, 4, 'flow', 'euler')])
        self.assertGreater(rows[0]['gap'], 0.)
        self.assertEqual(rows[-1]['gap'], 0.) # the reference itself: the same noise, the same samples

class Catalogue(unittest.TestCase):
    def test_entries(self):
        pairs = json.loads(catalogue_file.read_text(), object_pairs_hook=lambda kv: kv)
        self.assertEqual(len(pairs), len(dict(pairs)), "an experiment is named twice")
        table = catalogue()
        for name, e in table.items():
            self.assertEqual({'what', 'preset', 'cond'} - set(e), set(), name)
            self.assertIsNone(re.search(r'session|since|earlier|before \w+ (was|were)', e['what'], re.I), (name, e['what']))

    def test_train_args(self):
        from miniai.cli import _parser
        p = _parser()
        for name in catalogue():
            a = p.parse_args(train_args(name, Path('/tmp/x'), dict(minutes=1.), 'cpu', seed=0))
            self.assertEqual(a.seed, 0)
            if name in ('cpu_text', 'cpu_latent_text'): self.assertEqual(a.text_mode, 'xattn', name) # the command's default is pooled

class Frontier(unittest.TestCase):
    def test_rows(self):
        self.assertEqual(budget_minutes(dict(budget='2.5 minutes')), 2.5)
        self.assertIsNone(budget_minutes(dict(budget='1 epoch')))
        self.assertEqual(machine(rows.hardware()), machine(rows.cpu_name() + ', 2 threads')) # new rows group with old ones
        self.assertEqual(machine('AMD EPYC, 2 threads', 'budget_1min'), 'AMD EPYC, older defaults')
