"""``tradeoffs sample``: regenerate the built-in scenario."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command()
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder to write the scenario into.")
@click.option("--seed", type=int, default=None, help="Generator seed (default: the committed scenario's).")
def sample(out: str, seed: int | None) -> None:
    """Regenerate the built-in restaurant scenario (data, models, card) into a folder.

    With the default seed the files are those shipped in sample_data/: data and card byte for byte,
    model weights byte for byte on the same kind of CPU and to floating-point rounding on another
    (BLAS kernels differ by CPU). The command says which.
    """
    from analysis.scenario import builtin_card_path
    from sample_data.generate import SEED, compare_scenarios, generate_scenario

    started = time.perf_counter()
    out_dir = Path(out)
    written = generate_scenario(out_dir, seed=SEED if seed is None else seed)
    click.echo(f"wrote {len(written)} files to {out_dir} in {time.perf_counter() - started:.1f} s")
    shipped = builtin_card_path().parent
    if out_dir.resolve() != shipped.resolve():
        rounding: list[str] = []
        diffs = compare_scenarios(shipped, out_dir, rounding=rounding)
        if diffs:
            click.echo(f"differs from the shipped scenario in {shipped}:")
            for d in diffs:
                click.echo(f"  {d}")
        elif rounding:
            click.echo(
                f"the same as the shipped scenario in {shipped}: data and card byte for byte; "
                f"{len(rounding)} model file(s) differ only by floating-point rounding of this CPU's BLAS:"
            )
            for d in rounding:
                click.echo(f"  {d}")
        else:
            click.echo(f"identical to the shipped scenario in {shipped}")
