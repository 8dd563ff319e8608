"""Write README.md from nbs/index.ipynb without Quarto (nbdev-readme needs it): markdown and code cells, outputs kept."""
import re, sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

root = Path(__file__).resolve().parent.parent
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
out = root/'README.md'
header = '<!-- generated from nbs/index.ipynb by tools/build_readme.py: edit the notebook, not this file -->\n\n'
for old in (root/'README_files').glob('*'): old.unlink()  # images of earlier builds
for name, data in res.get('outputs', {}).items():
    (root/name).parent.mkdir(exist_ok=True); (root/name).write_bytes(data)
out.write_text(header + body)
print(f"wrote {out.relative_to(root)}" + (f" and {len(res.get('outputs', {}))} images" if res.get('outputs') else ''), file=sys.stderr)
