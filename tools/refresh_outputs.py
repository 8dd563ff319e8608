"""Re-execute the lessons whose outputs are committed, in place, then nbdev-clean.

    MINIAI_DATA=../shared/data/fashion_mnist python tools/refresh_outputs.py [NOTEBOOK ...]

Every code cell runs in order in one kernel, except the `#| slow` ones (the real-data runs of 11), which keep the
outputs they have: what they measured, and when, is written beside them. 26_docs checks in CI that the saved results
of these notebooks are what their current code gives."""
import os, subprocess, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

root = Path(__file__).resolve().parent.parent
lessons = ['01_datasets', '02_learner', '05_sampling', '06_unet', '07_time_embeddings', '08_attention', '09_transformer', '10_model',
           '11_diffusion_training', '12_vae', '13_latent_diffusion', '14_clip', '15_text', '28_bench', 'index']

def is_slow(cell)->bool: return any(l.replace(' ', '') == '#|slow' for l in cell.source.splitlines())

def refresh(path:Path):
    "Execute the notebook at `path` in place, leaving its slow cells' outputs as they are."
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=3600, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == 'code' and not is_slow(cell): client.execute_cell(cell, i)
    nbformat.write(nb, path)

if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    for name in sys.argv[1:] or lessons:
        nb = root/'nbs'/f'{Path(name).stem}.ipynb'
        print(f'executing {nb.name}', file=sys.stderr)
        refresh(nb)
        subprocess.run(['nbdev-clean', '--fname', str(nb)], check=True, cwd=root)
