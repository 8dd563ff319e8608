"Result rows: where each came from (commit, command, hardware, date) and the one writer that adds them to a results file."
import json, platform, shlex, subprocess, sys
from datetime import datetime
from functools import cache
from pathlib import Path

import torch
from miniai.core import atomic_write

root = Path(__file__).resolve().parent.parent # the repository
provenance_fields = ('commit', 'command', 'hardware', 'date')

def git_commit(folder:Path=root)->str:
    "The short hash of HEAD, with '+dirty' when tracked files differ from it; 'unknown' outside a git checkout."
    git = lambda *a: subprocess.run(['git', '-C', str(folder), *a], capture_output=True, text=True)
    head = git('rev-parse', '--short', 'HEAD')
    if head.returncode: return 'unknown'
    dirty = git('status', '--porcelain', '--untracked-files=no').stdout.strip()
    return head.stdout.strip() + ('+dirty' if dirty else '')

def cpu_name()->str:
    "The CPU's model name, from /proc/cpuinfo where there is one."
    info = Path('/proc/cpuinfo')
    names = [l.split(':', 1)[1].strip() for l in info.read_text().splitlines() if l.startswith('model name')] if info.exists() else []
    return names[0] if names else platform.processor() or platform.machine()

def hardware(device:str='cpu')->str:
    "Where the work ran: CPU model, threads, torch version and device, e.g. 'AMD EPYC, 2 threads, torch 2.14.1, cpu'."
    dev = f"cuda: {torch.cuda.get_device_name()}" if device == 'cuda' and torch.cuda.is_available() else device
    return f"{cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}, {dev}"

def command_line(argv:list[str]|None=None)->str:
    "The command as typed: `python -m tools` and its arguments."
    return shlex.join(['python', '-m', 'tools', *(sys.argv[1:] if argv is None else argv)])

@cache
def _started()->tuple[str, str]:
    "The commit and date when this process first asked: later rows of one command share them (its own writes make the tree dirty)."
    return git_commit(), datetime.now().astimezone().isoformat(timespec='seconds')

def provenance(device:str='cpu', command:str|None=None)->dict:
    "The fields every row records: `commit`, `command`, `hardware` and `date` (ISO, when the command started)."
    commit, date = _started()
    return dict(commit=commit, command=command or command_line(), hardware=hardware(device), date=date)

def read_rows(path:Path)->list[dict]:
    "The rows of a results file (a JSON list), or [] when there is none yet."
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else []

def add_rows(
    path:Path, # a results file: a JSON list of rows
    rows:list[dict], # the new rows
    same:tuple|None=None, # fields that name a row: old rows equal to a new one in all of them are replaced (None: append)
    device:str='cpu', # where the work ran, for `hardware`
    command:str|None=None, # the command that made them (default: this process's command line)
)->list[dict]:
    "Stamp `rows` with `provenance` and add them to `path`, atomically (a temporary file in the same folder, then a rename)."
    path = Path(path)
    stamp = provenance(device, command)
    new = [r | stamp for r in rows]
    key = lambda r: tuple(r.get(f) for f in same)
    replaced = {key(r) for r in new} if same else set()
    kept = [r for r in read_rows(path) if not same or key(r) not in replaced]
    text = json.dumps(kept + new, indent=1) # before opening the file: a row that cannot be written leaves the old file as it was
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, 'w') as f: f.write(text)
    return new
