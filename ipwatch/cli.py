"""The ``ipwatch`` command line: a thin layer over feature_store, detector and eval."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TextIO

import click
from pydantic import ValidationError

from .heap import settle_heap
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
            from feature_store import LibraryFileError

            from .running import library_store

            try:
                self._store = library_store(self.settings)
            except LibraryFileError as exc:  # a knowledge file that cannot be read
                raise click.ClickException(str(exc)) from exc
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

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        from models import ModelRegistry

        return ModelRegistry(self.settings.models_dir)

    @property
    def exemplars(self):  # type: ignore[no-untyped-def]
        from feature_store.exemplars import ExemplarStore

        return ExemplarStore(self.store, self.settings.index_dir, self.settings.embedding_model,
                             self.settings.faiss_approximate_above)

    def detector(self, model: str | None = None, require_brands: bool = True,  # type: ignore[no-untyped-def]
                 semantic: bool = True):
        """A detector over the stored library; ``model``: a version, ``rules``, or None for the promoted one."""
        from feature_store import LibraryFileError
        from models import ModelRegistryError

        from .running import running_detector

        if require_brands and not self.store.brands():
            raise click.ClickException(
                "the protection list is empty: run `ipwatch brands import FILE` (or `ipwatch demo` for the sample list)"
            )
        try:
            detector = running_detector(self.settings, self.store, model, semantic=semantic)
        except (ModelRegistryError, LibraryFileError) as exc:
            raise click.ClickException(str(exc)) from exc
        settle_heap()
        return detector


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
    from feature_store.faults import crash_point

    try:
        records = read_brands(file)
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    knowledge, feedback = _knowledge(ctx), _feedback(ctx)
    with ctx.store.sessions.begin() as session:  # the list and its proposals: stored together or not at all
        report = ctx.store.import_brands(records, note=f"brands import {file.name}", session=session)
        crash_point("brands_import.before_commit")
        made = feedback.enrich(knowledge, brands=records, session=session)
    crash_point("brands_import.after_commit")
    click.echo(
        f"brands: {report.added} added, {report.updated} updated, {report.unchanged} unchanged; "
        f"{report.total} on the list; library version {report.version}"
    )
    if made:
        click.echo(f"knowledge base: {len(made)} proposals (other names, product lines, knock-off marks) for "
                   f"{len({b for b, _, _ in made})} brands, held for approval: ipwatch brands enrich")
    from detector.library import unknown_category_labels

    unknown = unknown_category_labels(records)
    if unknown:
        labels = sorted({label for items in unknown.values() for label in items})
        shown = ", ".join(labels[:8]) + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")
        click.echo(f"category labels the product taxonomy does not know ({len(unknown)} brands): {shown}. "
                   "Each is a kind of its own where a title writes it, and is read by its embedding once "
                   "exemplars are loaded; a label the taxonomy knows (see detector/rules/product_kinds.yaml) "
                   "gives listings more context.")


def _feedback(ctx: Context):  # type: ignore[no-untyped-def]
    from feature_store.feedback import LibraryFeedback

    return LibraryFeedback(ctx.store, ctx.settings.index_dir)


def _knowledge(ctx: Context):  # type: ignore[no-untyped-def]
    from feature_store import LibraryFileError

    try:
        return ctx.store.knowledge
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc


@brands.command("enrich")
@click.option("--brand", "brand_ids", multiple=True, help="Only this brand id (repeatable); default: every brand.")
@click.option("--approve-all", is_flag=True, help="Approve every pending enrichment proposal shown (one new "
              "library version).")
@click.option("--no-mine", is_flag=True, help="Skip mining product lines from the brands' exemplars.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def brands_enrich(ctx: Context, brand_ids: tuple[str, ...], approve_all: bool, no_mine: bool, as_json: bool) -> None:
    """Propose other names, product lines and knock-off marks from the knowledge base and the brands' listings.

    Proposals are held for approval: `ipwatch variants approve ID [--reject]`, or --approve-all.
    """
    from feature_store.knowledge import ENRICHMENT_KINDS

    known = {b.id for b in ctx.store.brands()}
    unknown = sorted(set(brand_ids) - known)
    if unknown:
        raise click.ClickException(f"--brand: not on the protection list: {', '.join(unknown)}")
    feedback = _feedback(ctx)
    made = feedback.enrich(_knowledge(ctx), brand_ids or None, mine=not no_mine)
    pending = [p for p in feedback.proposals() if p["kind"] in ENRICHMENT_KINDS
               and (not brand_ids or p["brand_id"] in brand_ids)]
    outcome = feedback.decide_many([p["id"] for p in pending], True, "cli") if approve_all and pending else None
    if as_json:
        click.echo(json.dumps({"new": len(made), "pending": pending,
                               "approved": outcome["ids"] if outcome else [],
                               "library_version": outcome["library_version"] if outcome else None},
                              ensure_ascii=False, indent=1))
        return
    for p in pending:
        click.echo(f"#{p['id']}  {p['brand_id']:16} {p['variant']}  ({p['kind']})")
    click.echo(f"{len(made)} new proposals; {len(pending)} pending enrichment proposals"
               + (f"; all approved, library version {outcome['library_version']}" if outcome else
                  "; approve with `ipwatch variants approve ID` or `--approve-all`"))


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
@click.option("--model", "model", default=None, help="Model version, or 'rules'; default: the promoted model.")
@click.option("--no-semantic", is_flag=True, help="Lexical stage only (no embeddings), to measure what stage 2 adds.")
@pass_ctx
def score(ctx: Context, file: TextIO, explain: bool, fmt: str, model: str | None, no_semantic: bool) -> None:
    """Score listings (JSONL or CSV; - for stdin): one JSON result per listing, in input order."""
    from .listings_io import read_listings, score_stream

    detector = ctx.detector(model, semantic=not no_semantic)
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


@main.command()
@click.option("--since-version", "since", default=None, metavar="V",
              help="Only cases scored with library version V or one recorded after it (ipwatch brands list shows "
                   "the current one); default: every open case scored with another version than the current.")
@click.option("--batch", "batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_ctx
def rescore(ctx: Context, since: str | None, batch: int, as_json: bool) -> None:
    """Score the open queue again after a list change; only cases whose outcome changed are updated (audited)."""
    from detector import Listing
    from feature_store.review import ReviewStore

    detector = ctx.detector()
    versions = [v.version for v in ctx.store.versions()]  # oldest first, by when each was last made current
    if since is not None and since not in versions:
        raise click.ClickException(f"no library version {since!r}; known: {', '.join(versions[-5:]) or 'none'}")
    chosen = None if since is None else versions[versions.index(since):]

    def score(records: list[dict]) -> list[dict]:  # type: ignore[type-arg]
        return [r.to_dict(explain=True) for r in detector.score_many(Listing.model_validate(x) for x in records)]

    counts = ReviewStore(ctx.store).rescore(score, detector.library.version, chosen, batch)
    if as_json:
        click.echo(json.dumps({**counts, "library_version": detector.library.version}))
    else:
        click.echo(f"rescored against library {detector.library.version}: {counts['changed']} changed (audited), "
                   f"{counts['unchanged']} unchanged, {counts['skipped']} changed by a reviewer meanwhile, "
                   f"{counts['read']} open cases read")


@main.command("score-batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Directory for the result partitions (part-NNNNN.parquet or .jsonl) and _manifest.json.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "jsonl"]), default="parquet", show_default=True)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 256),
              help="Worker processes of the local Dask cluster.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="A running Dask scheduler to use instead of a local cluster (its workers need ipwatch and the "
                   "same store).")
@click.option("--partition-rows", default=50_000, show_default=True, type=click.IntRange(1),
              help="About this many listings per partition (Parquet: whole row groups).")
@click.option("--explain", is_flag=True, help="Add each reason's detail and the brand it points at.")
@click.option("--model", "model", default=None, help="Model version, or 'rules'; default: the promoted model.")
@click.option("--no-semantic", is_flag=True, help="Lexical stage only (no embeddings).")
@click.option("--overwrite", is_flag=True, help="Replace a batch of other input or versions in --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def score_batch(ctx: Context, input_path: Path, out: Path, fmt: str, workers: int, scheduler: str | None,
                partition_rows: int, explain: bool, model: str | None, no_semantic: bool, overwrite: bool,
                as_json: bool) -> None:
    """Score a catalogue (Parquet or JSONL) in partitions on Dask; re-runs skip finished partitions."""
    from .batch import BatchError, run_batch

    probe = ctx.detector(model, semantic=False)  # the versions every worker must load
    try:
        summary = run_batch(input_path, out, ctx.settings, probe.library.version, probe.model_version, model,
                            not no_semantic, explain, fmt, workers, scheduler, partition_rows, overwrite,
                            progress=not as_json)
    except BatchError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(f"{summary['rows']} listings scored in {summary['written']} partitions "
                   f"({summary['skipped']} already done), {summary['errors']} bad rows, {summary['seconds']} s; "
                   f"peak memory per worker {summary['peak_rss_mib_per_worker']} MiB -> {out}")


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
@click.option("--real/--no-real", default=True, show_default=True,
              help="Add real marketplace titles that name no listed brand (from ../shared/data when present).")
@click.option("--split", type=click.Choice(["all", "train", "dev", "test"]), default="all", show_default=True,
              help="Keep one split (by brand: test brands never appear in train).")
@click.option("--exemplars", "exemplar_file", type=click.Path(path_type=Path), default=None,
              help="Counterfeit exemplars (JSONL) to derive 'described_product' listings from.")
def labels_generate(out: Path, seed: int, per_family: int, brands_file: Path | None, real: bool, split: str,
                    exemplar_file: Path | None) -> None:
    """Write a seeded synthetic labelled set covering every evasion family and negative kind."""
    from eval import generate_labelled_set
    from feature_store import LibraryFileError, bundled_protection_list, read_brands

    try:
        brand_list = read_brands(brands_file or bundled_protection_list())
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    exemplar_rows = None
    if exemplar_file is not None:
        if not exemplar_file.exists():
            raise click.ClickException(f"{exemplar_file}: no such file")
        exemplar_rows = [json.loads(line) for line in exemplar_file.read_text(encoding="utf-8").splitlines() if line]
    rows = generate_labelled_set(brand_list, seed=seed, per_family=per_family, real=real, exemplars=exemplar_rows)
    if split != "all":
        rows = [r for r in rows if r["split"] == split]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    click.echo(f"wrote {len(rows)} labelled listings to {out}")


@labels.command("heldout")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Folder to write the files into.")
def labels_heldout(out: Path) -> None:
    """Write the evaluation sets not made by the generator: held-out brands, listings, exemplars, real titles.

    brands.json, exemplars.jsonl and labels.jsonl are held-out set a (30 brands in no bundled file);
    brands_b.json, exemplars_b.jsonl and labels_b.jsonl are set b (24 other brands, in no bundled or
    knowledge file); the *_c files are set c (24 more, several of them everyday words); the *_d files are
    set d (18 familiar brands of the bundled list, as another platform would list them); the *_e files are
    set e (30 more brands in no bundled file, several aliases everyday words); the *_f files are set f
    (30 more, written after set e's mechanisms); sets g to m follow the same pattern, 30 brands each; set n
    sends 18 more familiar brands as set d does;
    real_brands.json and real_labels.jsonl (when ../shared/data is present) are the
    real Taobao, JD and Walmart titles naming the brands Taobao annotates most, all genuine.
    """
    from eval.heldout import HELDOUT_SETS, heldout_brands, heldout_exemplars, heldout_rows, real_brand_set

    out.mkdir(parents=True, exist_ok=True)

    def write_jsonl(name: str, rows: list) -> None:  # type: ignore[type-arg]
        with (out / name).open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    sizes = []
    for which in HELDOUT_SETS:
        suffix = "" if which == "a" else f"_{which}"
        (out / f"brands{suffix}.json").write_text(
            json.dumps({"brands": heldout_brands(which)}, ensure_ascii=False, indent=1), encoding="utf-8")
        write_jsonl(f"exemplars{suffix}.jsonl", heldout_exemplars(which))
        write_jsonl(f"labels{suffix}.jsonl", heldout_rows(which))
        sizes.append(f"{which}: {len(heldout_rows(which))}")
    real_brands, real_rows = real_brand_set()
    if real_brands:
        (out / "real_brands.json").write_text(json.dumps({"brands": real_brands}, ensure_ascii=False, indent=1),
                                              encoding="utf-8")
        write_jsonl("real_labels.jsonl", real_rows)
    click.echo(f"wrote the held-out sets ({', '.join(sizes)} listings) and "
               f"{len(real_rows)} real titles naming {len(real_brands)} brands to {out}")


@labels.command("reviewed")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="JSONL file to write.")
@pass_ctx
def labels_reviewed(ctx: Context, out: Path) -> None:
    """Export reviewers' decisions as labelled listings (false positives kept apart) for training."""
    from feature_store.review import ReviewStore

    rows = ReviewStore(ctx.store).reviewed_training_rows()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    false_positives = sum(r["group"] == "reviewed_false_positive" for r in rows)
    click.echo(f"wrote {len(rows)} reviewed listings ({false_positives} false positives of high-risk flags) to {out}")


@main.command("eval")
@click.option("--labels", "labels_file", type=click.Path(path_type=Path), required=True, help="Labelled JSONL set.")
@click.option("--model", "model", default=None, help="Model version, or 'rules'; default: the promoted model.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the contract in DESIGN.md).")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), default=None,
              help="Write an HTML report with PNG plots into this directory.")
@click.option("--compare", "versions", nargs=2, default=None, help="Two model versions (or 'rules') side by side.")
@click.option("--cv", "folds", type=click.IntRange(2, 20), default=None,
              help="Cross-validate training on this set, K folds grouped by brand.")
@click.option("--no-semantic", is_flag=True, help="Lexical stage only, to measure what the semantic stage adds.")
@pass_ctx
def eval_command(ctx: Context, labels_file: Path, model: str | None, as_json: bool, report_dir: Path | None,
                 versions: tuple[str, str] | None, folds: int | None, no_semantic: bool) -> None:
    """Precision, recall, calibration and breakdowns of a model on a labelled set."""
    from eval import LabelledSetError, compare, load_labelled_set, render_summary, score_rows, summarise

    try:
        rows = load_labelled_set(labels_file)
    except LabelledSetError as exc:
        raise click.ClickException(str(exc)) from exc
    if folds:
        from models import cross_validate

        try:
            result = cross_validate(ctx.detector("rules"), rows, folds)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        _print(result, as_json, lambda r: "\n".join(
            f"{k:10} {v['mean']:.4f} ± {v['std']:.4f}" for k, v in r["summary"].items()))
        return
    if versions:
        first, second = (score_rows(ctx.detector(v, semantic=not no_semantic), rows) for v in versions)
        result = compare(first, second)
        _print(result, as_json, lambda r: (
            f"PR-AUC {r['a']['model_version']}: {r['a']['pr_auc']}  {r['b']['model_version']}: {r['b']['pr_auc']}  "
            f"difference {r['pr_auc_difference']:+.4f}, 95% CI [{r['ci95'][0]:+.4f}, {r['ci95'][1]:+.4f}]"))
        return
    scored = score_rows(ctx.detector(model, semantic=not no_semantic), rows)
    report = summarise(scored)
    if report_dir is not None:
        from eval.report import write_report

        index = write_report(report, scored, report_dir)
        if not as_json:
            click.echo(f"report written to {index}")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        render_summary(report)


def _print(result: dict, as_json: bool, text) -> None:  # type: ignore[no-untyped-def, type-arg]
    click.echo(json.dumps(result, ensure_ascii=False, indent=1) if as_json else text(result))


# -- models ------------------------------------------------------------------------------------


@main.command()
@click.option("--labels", "labels_file", type=click.Path(path_type=Path), required=True, help="Labelled JSONL set.")
@click.option("--promote", is_flag=True, help="Promote the new model to score by default.")
@click.option("--seed", default=0, show_default=True, help="Seed of the brand-held-out split.")
@click.option("--c", "c_value", default=1.0, show_default=True, help="Inverse regularisation strength.")
@pass_ctx
def train(ctx: Context, labels_file: Path, promote: bool, seed: int, c_value: float) -> None:
    """Train and register a calibrated scorer; print its version and held-out metrics."""
    from eval import LabelledSetError, load_labelled_set
    from models import train_model

    try:
        rows = load_labelled_set(labels_file)
        result = train_model(ctx.detector("rules"), rows, seed=seed, C=c_value)  # features include stage 2
    except (LabelledSetError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    meta = result.metadata
    if meta["version"] in {m["version"] for m in ctx.registry.versions()}:
        click.echo(f"model {meta['version']} is already registered (same data, parameters and library)")
    else:
        ctx.registry.register(result.estimator, meta)
    if promote:
        ctx.registry.promote(meta["version"])
    m = meta["metrics"]
    click.echo(
        f"model {meta['version']}{' (promoted)' if promote else ''}: threshold {meta['threshold']}; held-out "
        f"({meta['n_held_out']} listings, {len(meta['held_out_brands'])} unseen brands) precision {m['precision']} "
        f"recall {m['recall']} PR-AUC {m['pr_auc']} Brier {m['brier']}; trained in {meta['train_seconds']}s"
    )


@main.group()
def models() -> None:
    """The model registry."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def models_list(ctx: Context, as_json: bool) -> None:
    """Registered model versions; the promoted one is marked."""
    promoted = ctx.registry.promoted_version()
    versions = ctx.registry.versions()
    if as_json:
        click.echo(json.dumps({"promoted": promoted, "models": versions}, ensure_ascii=False, indent=1))
        return
    if not versions:
        click.echo("no models registered; the rule scorer is in use (train one with `ipwatch train --labels FILE`)")
    for meta in versions:
        mark = "*" if meta["version"] == promoted else " "
        m = meta["metrics"]
        click.echo(f"{mark} {meta['version']}  {meta['created_at']}  threshold {meta['threshold']}  "
                   f"P {m['precision']} R {m['recall']} PR-AUC {m['pr_auc']}  library {meta['library_version']}")


@models.command("promote")
@click.argument("version")
@pass_ctx
def models_promote(ctx: Context, version: str) -> None:
    """Make VERSION the model that scores by default."""
    from models import ModelRegistryError

    try:
        ctx.registry.promote(version)
    except ModelRegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"promoted {version}")


# -- exemplars ---------------------------------------------------------------------------------


@main.group()
def exemplars() -> None:
    """Exemplar listings: confirmed counterfeits and the genuine catalogue, per brand."""


@exemplars.command("add")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(["counterfeit", "genuine"]), required=True)
@click.option("--source", default=None, help="Where these exemplars come from (kept with each).")
@pass_ctx
def exemplars_add(ctx: Context, file: Path, kind: str, source: str | None) -> None:
    """Add exemplar listings (JSONL, each with a brand_id); embeddings and the index follow."""
    from feature_store import LibraryFileError
    from feature_store.exemplars import read_exemplar_file

    store = ctx.exemplars
    try:
        records = read_exemplar_file(file, store.known_brands())
        report = store.add(records, kind, source or file.name)
    except LibraryFileError as exc:
        raise click.ClickException(str(exc)) from exc
    index = store.index(kind)
    click.echo(f"{kind} exemplars: {report.added} added, {report.duplicates} already stored; {report.total} in all; "
               f"index {index.manifest['type']} of {index.manifest['n']} (recall@10 {index.manifest['recall_at_10']})")


@exemplars.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def exemplars_list(ctx: Context, as_json: bool) -> None:
    """Exemplar counts per kind and brand."""
    counts = ctx.exemplars.counts()
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=1))
        return
    for kind, brands in counts.items():
        click.echo(f"{kind}: {sum(brands.values())} exemplars over {len(brands)} brands")


@main.group()
def variants() -> None:
    """Variant spellings proposed from confirmed cases, held for approval."""


@variants.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def variants_list(ctx: Context, as_json: bool) -> None:
    """Pending proposals."""
    pending = _feedback(ctx).proposals()
    if as_json:
        click.echo(json.dumps(pending, ensure_ascii=False, indent=1))
        return
    for p in pending:
        origin = f"case {p['case_id']}" if p["case_id"] is not None else "knowledge base / catalogue"
        click.echo(f"#{p['id']}  {p['brand_id']:16} {p['variant']}  ({p['kind']}, {origin})")


@variants.command("approve")
@click.argument("proposal_id", type=int)
@click.option("--reject", is_flag=True, help="Reject instead of approving.")
@pass_ctx
def variants_approve(ctx: Context, proposal_id: int, reject: bool) -> None:
    """Approve a proposal (a spelling joins known_variants; a name or product line, aliases) or --reject it."""
    try:
        outcome = _feedback(ctx).decide_proposal(proposal_id, not reject, "cli")
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"proposal {proposal_id} {outcome['status']}"
               + (f"; library version {outcome['library_version']}" if outcome["library_version"] else ""))


# -- crawling ----------------------------------------------------------------------------------


@main.command()
@click.argument("urls", nargs=-1, required=True)
@click.option("--out", "out", type=click.Path(path_type=Path), default=None, help="Write listings as JSONL here.")
@click.option("--score", is_flag=True, help="Store the listings, score them and put them in the review queue.")
@click.option("--max-pages", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--polite/--no-polite", default=True, show_default=True,
              help="AutoThrottle and one request at a time per domain (turn off only for your own local site).")
@click.option("--allow-private", is_flag=True, help="Allow loopback and private addresses (a local demo shop).")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="HOST",
              help="Allow this one private host (name or address as in the URL); others stay refused. Repeatable.")
@click.option("--cache", is_flag=True, help="Keep an HTTP cache under IPWATCH_HOME for re-crawls.")
@pass_ctx
def crawl(ctx: Context, urls: tuple[str, ...], out: Path | None, score: bool, max_pages: int, polite: bool,
          allow_private: bool, allowed_hosts: tuple[str, ...], cache: bool) -> None:
    """Crawl shop pages into listings (robots.txt obeyed; links followed within the start domains)."""
    from .crawling import run_crawl

    try:
        summary = run_crawl(list(urls), ctx.settings, out=out, score=score, max_pages=max_pages, polite=polite,
                            allow_private=allow_private, cache=cache, allowed_hosts=list(allowed_hosts))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(summary, ensure_ascii=False))
    if not summary["pages"] and summary["refused"]:
        raise click.ClickException(
            f"nothing crawled: refused {', '.join(summary['refused'])} — a private, loopback or link-local "
            f"address; pass --allow-private (or --allow-host HOST) to crawl it")


@main.command("demo-shop")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None, help="Where to write the shop.")
@click.option("--products", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--port", default=8088, show_default=True, type=click.IntRange(0, 65535))
def demo_shop(folder: Path | None, products: int, port: int) -> None:
    """Build the bundled demo marketplace and serve it on loopback until interrupted."""
    import tempfile
    import time

    from crawler.demo_shop import build_shop, serve

    target = folder or Path(tempfile.mkdtemp(prefix="ipwatch-shop-"))
    rows = build_shop(target, products)
    server, url = serve(target, port)
    click.echo(f"demo shop with {len(rows)} products at {url} (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
        server.server_close()


# -- service -----------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes; each builds its own app from the same settings and accepts from the "
                   "one port while it holds no more connections than the others, so the load is spread evenly.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
@pass_ctx
def serve(ctx: Context, host: str, port: int, workers: int, access_log: bool) -> None:
    """Run the API (and its OpenAPI docs at /docs) and the triage page (/ui)."""
    if workers > 1:
        from .serving import ServeError, run_workers

        logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
        # Once, before the workers: the store's migrations (two workers migrating one fresh database race)
        # and the compiled library's cache, which the workers then load instead of each compiling it.
        ctx.store.load_library()
        ctx.close()
        try:
            run_workers(host, port, workers, access_log)
        except ServeError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    import uvicorn

    from api import create_app

    uvicorn.run(create_app(ctx.settings), host=host, port=port, log_level="info", access_log=access_log)


@main.group()
def keys() -> None:
    """API keys (stored hashed; shown once)."""


@keys.command("create")
@click.option("--role", type=click.Choice(["submitter", "reviewer", "analyst", "admin"]), required=True)
@click.option("--name", required=True, help="Who the key is for (unique).")
@click.option("--json", "as_json", is_flag=True, help='Print {"name", "role", "key"}.')
@pass_ctx
def keys_create(ctx: Context, role: str, name: str, as_json: bool) -> None:
    """Create an API key and show it once."""
    from feature_store.review import ReviewError, ReviewStore

    try:
        key = ReviewStore(ctx.store).create_key(name, role)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"name": name, "role": role, "key": key}))
    else:
        click.echo(f"{role} key for {name} (shown once, keep it safe):\n{key}")


@keys.command("revoke")
@click.argument("name")
@pass_ctx
def keys_revoke(ctx: Context, name: str) -> None:
    """Revoke the key named NAME."""
    from feature_store.review import ReviewError, ReviewStore

    try:
        ReviewStore(ctx.store).revoke_key(name)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {name}")


@main.group()
def audit() -> None:
    """The audit log of keys, cases, decisions and notices (a hash chain)."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def audit_verify(ctx: Context, as_json: bool) -> None:
    """Check the audit log's hash chain; exit 1 naming the first row that does not hold."""
    from feature_store.review import ReviewStore

    report = ReviewStore(ctx.store).verify_audit()
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    elif report.ok:
        click.echo(f"audit log intact / 审计日志完整: {report.rows} rows, head row {report.head_id} "
                   f"{report.head_hash}")
    else:
        click.echo(f"audit log BROKEN at row {report.broken_id} / 审计日志在第 {report.broken_id} 行断裂: "
                   f"{report.problem}; {report.rows} rows before it hold", err=True)
    if not report.ok:
        ctx.close()
        sys.exit(1)


@main.command()
@click.option("--purge", is_flag=True, help="Delete them (default: only list what is past retention).")
@pass_ctx
def retention(ctx: Context, purge: bool) -> None:
    """Decided cases past IPWATCH_RETENTION_DAYS (at least 3 years); --purge deletes them, audited."""
    from feature_store.review import ReviewStore

    days = ctx.settings.retention_days
    ids = ReviewStore(ctx.store).purge_expired(days, dry_run=not purge)
    verb = "deleted" if purge else "past retention (not deleted; --purge deletes)"
    click.echo(f"{len(ids)} decided cases older than {days} days {verb}" + (f": {ids[:20]}" if ids else ""))


# -- demo and benchmarks -----------------------------------------------------------------------


@main.command()
@click.option("--crawl/--no-crawl", default=True, show_default=True,
              help="Also crawl the bundled demo shop on loopback into the review queue.")
@pass_ctx
def demo(ctx: Context, crawl: bool) -> None:
    """Import the bundled list, lexicon and exemplars, score the sample, crawl the demo shop, fill the queue."""
    from .demo import crawl_demo_shop, run_demo

    run_demo(ctx.store, ctx.settings)
    if crawl:
        summary = crawl_demo_shop(ctx.settings)
        click.echo(f"Demo shop crawled / 演示商城: {summary['pages']} pages, {summary['listings']} listings, "
                   f"{summary['stored_new']} new cases, {summary['pages_per_s']} pages/s")


@main.command()
@click.option("--suite", type=click.Choice(["lexical", "train", "api", "embed", "faiss", "end_to_end", "crawl",
                                            "batch", "serve_workers", "list_change", "soak", "all"]),
              default="all", show_default=True,
              help="One suite, or all but the long ones: soak (5 min of mixed traffic on SQLite and PostgreSQL), "
                   "batch (1,000,000 listings on Dask), serve_workers (1 and 2 API workers) and list_change "
                   "(how soon a brand added through one of 2 workers reaches both).")
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
