"Score samples as `miniai eval` does (FID, KID, accuracy on 1,000 samples), with the settings and seconds that drew them."
import csv, time
from pathlib import Path

import torch
from miniai.datasets import class_labels
from miniai.fid import evaluate_samples
from miniai.generation import run_sampling, draw_samples
from miniai.runs import load_run_model, run_vae
from miniai.text import class_name_prompts, prompt_tokens

def sampling_fields(opts:dict)->dict:
    "Sampler settings as a row writes them: `steps` as `sampler_steps` (not training steps), tuples as lists."
    return {('sampler_steps' if k == 'steps' else k): list(v) if isinstance(v, tuple) else v for k, v in opts.items()}

def score(
    draw, # draws the samples: called with no arguments, returns float32 images (n, 1, 32, 32) in [-1, 1]
    labels:torch.Tensor|None, # the class each image was drawn for (None: unconditional)
    opts:dict, # the sampler settings `draw` uses, for the row
    device:str='cpu', # where the classifier runs
)->dict:
    "The row's sampling fields: the settings, `sample_seconds` (drawing the images, in this process) and `miniai eval`'s scores."
    start = time.perf_counter()
    images = draw()
    seconds = time.perf_counter() - start
    scores = {k: round(float(v), 4) for k, v in evaluate_samples(images, labels, device).items()}
    return sampling_fields(opts) | dict(sample_seconds=round(seconds, 1)) | scores

def load(folder, device:str='cpu')->tuple:
    "A run folder's model (EMA weights), its `Run` and its VAE (None for a pixel run)."
    model, run = load_run_model(folder, device)
    return model, run, run_vae(run, device)

def score_run(
    model, run, vae, # a loaded run (`load`)
    n:int=1000, # samples: the ten classes in turn for a conditional run, their names as prompts for a text run
    seed:int=0, # seed of the noise (as `miniai sample --seed`)
    device:str='cpu', # where the classifier runs
    bs:int=500, # images per batch
    bf16:bool=False, # sample under bfloat16 autocast
    **changes, # sampler settings that differ from the run's defaults (`run_sampling`)
)->dict:
    "Sample a run as `miniai sample --n N --seed S` does, with `changes` to its sampler settings, and `score` the samples."
    opts = run_sampling(run) | changes
    labels = class_labels(n) if run.cond else None
    cond = prompt_tokens(model, class_name_prompts(labels)) if run.text else labels
    draw = lambda: draw_samples(model, run, vae, cond, n, torch.Generator().manual_seed(seed), bs, bf16, **opts)
    return score(draw, labels, opts | ({'bf16': True} if bf16 else {}), device)

def final_loss(losses:Path, frac:float=0.1)->float:
    "Mean training loss over the last `frac` of the steps of a `losses.csv`."
    values = [float(r['loss']) for r in csv.DictReader(open(losses))]
    last = values[-max(1, int(len(values) * frac)):]
    return round(sum(last) / len(last), 4)
