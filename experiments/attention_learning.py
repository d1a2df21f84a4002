"""Attention drives learning: cued training with attention-gated plasticity in the cortical hierarchy.

A sustained cue holds attention at A (0.25) while A and a distractor (at a random other location,
B = 0.75 among them) are shown again and again; every feedforward projection learns with the
attention-gated rule (gate: PFC). Then, with plasticity off and no cue, one stimulus at a time at
every location tests the network before and after training. Saves the training result (weights over
time), the tuning result, a figure, and prints a table.

    python experiments/attention_learning.py --out results [--train 20s] [--seed 0]
"""
import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results", help="folder for the .nc results and the .png figure")
    parser.add_argument("--train", default="20 s", help="training duration (model time)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from neuroattn import learning
    from neuroattn.plotting import learning_figure
    from neuroattn.results import save

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trained, tuning = learning.run(args.train, seed=args.seed, progress=True)
    save(trained, out / "attention_learning_training.nc")
    save(tuning, out / "attention_learning_tuning.nc")
    learning_figure(trained, tuning, path=out / "attention_learning.png")
    print(f"attention learning: {args.train} of cued training at A={learning.A:g}, seed {args.seed}")
    print(learning.summary(trained, tuning))
    print(f"-> {out / 'attention_learning_training.nc'}, {out / 'attention_learning_tuning.nc'}, "
          f"{out / 'attention_learning.png'}")


if __name__ == "__main__":
    main()
