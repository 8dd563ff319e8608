"""The experiments behind the findings, as one command: `python -m tools COMMAND ...` from the repository root.

Each command is a module: `run` and `rescore` (experiments.py, the catalogue in experiments.json), `sweep`,
`straightness`, `baseline`, `frontier`, `vae`, `ema`, `pictures` and `prompts` (pictures.py), `refresh` and `readme`
(build.py); rows.py writes every results row (atomically, with its commit, command, hardware and date) and scoring.py
scores samples as `miniai eval` does. `python -m tools selftest` checks the tools themselves."""
