"""Shared command line of the paradigm scripts: run one paradigm, save its result, figure and table."""
import argparse
from pathlib import Path


def main(paradigm: str, doc: str, *, areas=("V1", "parietal", "temporal", "PFC"), example=None) -> None:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default="results", help="folder for the .nc result and the .png figure")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="input-noise seeds")
    parser.add_argument("--model", default=None, help="a hierarchy YAML to use instead of the default")
    args = parser.parse_args()

    import neuroattn as na
    from neuroattn import paradigms
    from neuroattn.plotting import paradigm_figure
    from neuroattn.results import save

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spec = na.load_spec(args.model) if args.model else None
    result = paradigms.run(paradigm, spec, seeds=args.seeds, progress=True)
    save(result, out / f"{paradigm}.nc")
    paradigm_figure(result, areas, example=example, path=out / f"{paradigm}.png")
    locations = paradigms.PARADIGMS[paradigm].locations
    print(f"{paradigm}: mean rate over {paradigms.WINDOW[0]:g}-{paradigms.WINDOW[1]:g} s "
          f"(seeds {', '.join(map(str, args.seeds))}) at " + ", ".join(f"{k}={v:g}" for k, v in locations.items()))
    conditions = list(paradigms.PARADIGMS[paradigm].conditions)
    print(f"{'area':10s}" + "".join(f"{c:>22s}" for c in conditions))
    for area in areas:
        rates = paradigms.window_rates(result, area)
        cells = []
        for c in conditions:
            values = [float(paradigms.at(rates, x).sel(point=(result.condition == c).values).mean())
                      for x in locations.values()]
            cells.append("/".join(f"{v:.2f}" for v in values))
        print(f"{area:10s}" + "".join(f"{c:>22s}" for c in cells))
    print(f"-> {out / (paradigm + '.nc')}, {out / (paradigm + '.png')}")
