"""Re-execute the lessons whose outputs are committed (none has a `#| slow` cell), in place, then nbdev-clean.

    MINIAI_DATA=../shared/data/fashion_mnist python tools/refresh_outputs.py [NOTEBOOK ...]

16_docs checks in CI that the saved results of these notebooks are what their current code gives."""
import os, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
lessons = ['01_datasets', '02_learner', '05_sampling', '06_unet', '07_time_embeddings', '08_attention', '09_transformer', '10_model',
           '12_vae', '13_latent_diffusion', '13b_clip', '13c_text']

if __name__ == '__main__':
    for name in sys.argv[1:] or lessons:
        nb = root/'nbs'/f'{Path(name).stem}.ipynb'
        print(f'executing {nb.name}', file=sys.stderr)
        subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--inplace', str(nb)],
                       check=True, env=os.environ | {'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1')})
    subprocess.run(['nbdev-clean'], check=True, cwd=root)
