"""Build helpers: re-execute the lessons whose outputs are committed, and write README.md from nbs/index.ipynb.

    python -m tools refresh [NOTEBOOK ...]   # MINIAI_DATA set; default: every notebook that keeps outputs
    python -m tools readme

`refresh` runs every code cell of a notebook in order in one kernel, except the `#| slow` ones, which keep the outputs
of the real run they record, then cleans the notebook; 27_docs checks in CI that the saved results of 06, 07, 08, 10
and 11 are what their current code gives. `readme` renders index.ipynb's markdown and code cells, outputs kept, without
Quarto (nbdev-readme needs it)."""
import argparse, os, re, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def with_outputs()->list[Path]:
    "The notebooks that keep outputs: the lessons, the findings and the README's index."
    import nbformat
    return [p for p in sorted((root/'nbs').glob('[!_]*.ipynb'))
            if any(c.get('outputs') for c in nbformat.read(p, as_version=4).cells if c.cell_type == 'code')]

def is_slow(cell)->bool: return any(l.replace(' ', '') == '#|slow' for l in cell.source.splitlines())

def refresh_notebook(path:Path):
    "Execute the notebook at `path` in place, leaving its slow cells' outputs as they are, then clean it."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=3600, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == 'code' and not is_slow(cell): client.execute_cell(cell, i)
    nbformat.write(nb, path)
    subprocess.run(['nbdev-clean', '--fname', str(path)], check=True, cwd=root)

def refresh(a):
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    for nb in [root/'nbs'/f'{Path(n).stem}.ipynb' for n in a.notebooks] or with_outputs():
        print(f'executing {nb.name}', file=sys.stderr)
        refresh_notebook(nb)

def readme(a):
    "Write README.md (and README_files/) from nbs/index.ipynb."
    import nbformat
    from nbconvert import MarkdownExporter
    nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
    for c in nb.cells:  # drop nbdev directives and hidden cells, as the docs do; `#| echo: false` keeps only the outputs
        if c.cell_type != 'code': continue
        if any(l.replace(' ', '') == '#|echo:false' for l in c.source.splitlines()): c.metadata['transient'] = {'remove_source': True}
        c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|'))
    nb.cells = [c for c in nb.cells if c.source.strip()]
    nb.metadata['language_info'] = {'name': 'python'}  # code blocks marked as Python (nbdev-clean drops it)
    body, res = MarkdownExporter().from_notebook_node(nb, resources={'output_files_dir': 'README_files'})
    body = re.sub(r'\n[ \t]+(?=\n)', '\n', body)  # the exporter pads images with lines of spaces
    body = re.sub(r'\n{3,}', '\n\n', body).strip() + '\n'
    header = '<!-- generated from nbs/index.ipynb by `python -m tools readme`: edit the notebook, not this file -->\n\n'
    for old in (root/'README_files').glob('*'): old.unlink()  # images of earlier builds
    for name, data in res.get('outputs', {}).items():
        (root/name).parent.mkdir(exist_ok=True); (root/name).write_bytes(data)
    (root/'README.md').write_text(header + body)
    print(f"wrote README.md and {len(res.get('outputs', {}))} images", file=sys.stderr)

def register(sub):
    p = sub.add_parser('refresh', help="re-execute lessons in place (slow cells kept) and clean them",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='*', help="notebook names, e.g. 11_diffusion_training (default: all with outputs)")
    p.set_defaults(func=refresh)
    sub.add_parser('readme', help="write README.md from nbs/index.ipynb", description=__doc__,
                   formatter_class=argparse.RawDescriptionHelpFormatter).set_defaults(func=readme)
