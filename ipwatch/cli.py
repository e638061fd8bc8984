"""The ``ipwatch`` command line: a thin layer over feature_store, detector and eval."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

import click
from pydantic import ValidationError

from .settings import Settings


class Context:
    """Settings and lazily opened store for one CLI invocation."""

    def __init__(self) -> None:
        try:
            self.settings = Settings()
        except ValidationError as exc:
            first = exc.errors()[0]
            raise click.ClickException(f"bad setting IPWATCH_{str(first['loc'][0]).upper()}: {first['msg']}") from exc
        self._store = None

    @property
    def store(self):  # type: ignore[no-untyped-def]
        if self._store is None:
            from feature_store import LibraryStore

            try:
                self._store = LibraryStore(self.settings.resolved_database_url, cache_dir=self.settings.cache_dir)
            except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
                raise click.ClickException(
                    f"cannot open the store at {self.settings.resolved_database_url}: {exc}"
                ) from exc
        return self._store

    def close(self) -> None:
        """Release the store's connections at the end of the command."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def detector(self, require_brands: bool = True):  # type: ignore[no-untyped-def]
        from detector import Detector

        library = self.store.load_library()
        if require_brands and not library.brands:
            raise click.ClickException(
                "the protection list is empty: run `ipwatch brands import FILE` (or `ipwatch demo` for the sample list)"
            )
        return Detector(library, self.settings.flag_threshold, self.settings.default_currency)


pass_ctx = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ipwatch")
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """ipwatch: find listings that infringe marks on a key-trademark protection list."""
    ctx = click_ctx.ensure_object(Context)
    click_ctx.call_on_close(ctx.close)


# -- brands and lexicon ------------------------------------------------------------------------


@main.group()
def brands() -> None:
    """The key-trademark protection list."""


@brands.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@pass_ctx
def brands_import(ctx: Context, file: Path) -> None:
    """Load a protection list (JSON, YAML or CSV); merge by id."""
    from feature_store import LibraryFileError, read_brands

    try:
        records = read_brands(file)
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    report = ctx.store.import_brands(records, note=f"brands import {file.name}")
    click.echo(
        f"brands: {report.added} added, {report.updated} updated, {report.unchanged} unchanged; "
        f"{report.total} on the list; library version {report.version}"
    )


@brands.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document in the protection-list contract.")
@pass_ctx
def brands_list(ctx: Context, as_json: bool) -> None:
    """Show the protection list."""
    items = ctx.store.brands()
    if as_json:
        click.echo(json.dumps({"brands": [b.model_dump(mode="json") for b in items]}, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Protection list / 保护名录 ({len(items)})")
    for column in ("id", "中文", "English", "aliases / 别名", "categories", "tier"):
        table.add_column(column)
    for b in items:
        table.add_row(b.id, ", ".join(b.names.zh), ", ".join(b.names.en), ", ".join(b.aliases[:4]),
                      ", ".join(b.categories), b.tier)
    Console().print(table)


@main.group()
def lexicon() -> None:
    """The counterfeit-signal lexicon."""


@lexicon.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@pass_ctx
def lexicon_import(ctx: Context, file: Path) -> None:
    """Load lexicon terms (JSON, YAML or CSV); merge by term."""
    from feature_store import LibraryFileError, read_terms

    try:
        records = read_terms(file)
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    report = ctx.store.import_terms(records, note=f"lexicon import {file.name}")
    click.echo(
        f"terms: {report.added} added, {report.updated} updated, {report.unchanged} unchanged; "
        f"{report.total} in the lexicon; library version {report.version}"
    )


@lexicon.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document in the lexicon contract.")
@pass_ctx
def lexicon_list(ctx: Context, as_json: bool) -> None:
    """Show the lexicon."""
    terms = ctx.store.terms()
    if as_json:
        click.echo(json.dumps({"terms": [t.model_dump(mode="json") for t in terms]}, ensure_ascii=False, indent=1))
        return
    for t in terms:
        click.echo(f"{t.category:18} {t.strength:6} {t.language:3} {t.term}")


# -- scoring -----------------------------------------------------------------------------------


@main.command()
@click.argument("file", default="-", type=click.File("r", encoding="utf-8"))
@click.option("--explain", is_flag=True, help="Add each reason's detail and the brand it points at.")
@click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "csv"]), default="auto", show_default=True)
@pass_ctx
def score(ctx: Context, file: TextIO, explain: bool, fmt: str) -> None:
    """Score listings (JSONL or CSV; - for stdin): one JSON result per listing, in input order."""
    from .listings_io import read_listings, score_stream

    detector = ctx.detector()
    failed = 0
    out = sys.stdout
    for parsed, result in score_stream(detector, read_listings(file, fmt)):
        if result is None:
            failed += 1
            out.write(json.dumps({"listing_id": parsed.listing_id, "error": parsed.error}, ensure_ascii=False) + "\n")
        else:
            out.write(json.dumps(result.to_dict(explain), ensure_ascii=False) + "\n")
    out.flush()
    if failed:
        click.echo(f"{failed} listing(s) could not be scored; see their error lines", err=True)
        sys.exit(1)


# -- labelled sets and evaluation --------------------------------------------------------------


@main.group()
def labels() -> None:
    """Labelled sets for evaluation."""


@labels.command("generate")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="JSONL file to write.")
@click.option("--seed", default=7, show_default=True, help="Random seed; the same seed gives the same set.")
@click.option("--per-family", default=60, show_default=True, help="Listings per evasion family / negative kind.")
@click.option("--brands-file", type=click.Path(path_type=Path), default=None,
              help="Protection list to draw brands from (default: the bundled sample list).")
def labels_generate(out: Path, seed: int, per_family: int, brands_file: Path | None) -> None:
    """Write a seeded synthetic labelled set covering every evasion family and negative kind."""
    from eval import generate_labelled_set
    from feature_store import LibraryFileError, bundled_protection_list, read_brands

    try:
        brand_list = read_brands(brands_file or bundled_protection_list())
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = generate_labelled_set(brand_list, seed=seed, per_family=per_family)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    click.echo(f"wrote {len(rows)} labelled listings to {out}")


@main.command("eval")
@click.option("--labels", "labels_file", type=click.Path(path_type=Path), required=True, help="Labelled JSONL set.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the contract in DESIGN.md).")
@pass_ctx
def eval_command(ctx: Context, labels_file: Path, as_json: bool) -> None:
    """Precision, recall and breakdowns of the detector on a labelled set."""
    from eval import LabelledSetError, evaluate, load_labelled_set, render_summary

    try:
        rows = load_labelled_set(labels_file)
    except LabelledSetError as exc:
        raise click.ClickException(str(exc)) from exc
    detector = ctx.detector()
    report = evaluate(detector, rows)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        render_summary(report)


# -- demo and benchmarks -----------------------------------------------------------------------


@main.command()
@pass_ctx
def demo(ctx: Context) -> None:
    """Import the bundled list and lexicon, score the bundled sample, show the flagged ones."""
    from .demo import run_demo

    run_demo(ctx.store, ctx.settings)


@main.command()
@click.option("--suite", type=click.Choice(["lexical", "all"]), default="all", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of named figures.")
@click.option("--n", "size", default=100_000, show_default=True, help="Listings per throughput run.")
@pass_ctx
def bench(ctx: Context, suite: str, as_json: bool, size: int) -> None:
    """Benchmarks: each throughput figure beside its limit, measured in the same run."""
    from .bench import run_benchmarks

    figures = run_benchmarks(ctx.store, suite, size, progress=not as_json)
    if as_json:
        click.echo(json.dumps(figures, indent=1))
    else:
        for key, value in figures.items():
            click.echo(f"{key:32} {value}")


if __name__ == "__main__":  # pragma: no cover
    main()
