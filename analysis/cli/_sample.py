"""``tradeoffs sample``: regenerate the built-in scenario."""

from __future__ import annotations

import time
from pathlib import Path

import click

from analysis.scenario import builtin_card_path


@click.command()
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder to write the scenario into.")
@click.option("--seed", type=int, default=None, help="Generator seed (default: the committed scenario's).")
def sample(out: str, seed: int | None) -> None:
    """Regenerate the built-in restaurant scenario (data, models, card) into a folder.

    With the default seed the files are byte-for-byte those shipped in sample_data/; the
    command says whether they match.
    """
    from sample_data.generate import SEED, compare_scenarios, generate_scenario

    started = time.perf_counter()
    out_dir = Path(out)
    written = generate_scenario(out_dir, seed=SEED if seed is None else seed)
    click.echo(f"wrote {len(written)} files to {out_dir} in {time.perf_counter() - started:.1f} s")
    shipped = builtin_card_path().parent
    if out_dir.resolve() != shipped.resolve():
        diffs = compare_scenarios(shipped, out_dir)
        if diffs:
            click.echo(f"differs from the shipped scenario in {shipped}:")
            for d in diffs:
                click.echo(f"  {d}")
        else:
            click.echo(f"identical to the shipped scenario in {shipped}")
