import time

from django.core.management.base import BaseCommand, CommandError

from directory.ccd import STATE_FIPS, CcdImportError, CcdImportResult
from directory.importing import ccd_import

SHOWN_ISSUES = 50
PROGRESS_FROM_ROWS = 2000  # smaller files finish before a bar is worth drawing


class ProgressLine:
    """A plain-text progress bar: redrawn in place on a terminal, every 10 % otherwise."""

    def __init__(self, stream, *, width: int = 30):
        self.stream = stream  # a command's OutputWrapper
        self.width = width
        self.is_tty = stream.isatty()
        self.last_tenth = -1
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM_ROWS:
            return
        share = done / total if total else 1.0
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"[{bar}] {share:4.0%}  {done:,}/{total:,} rows  {self._elapsed()}"
        if self.is_tty:
            self.stream.write("\r" + text, ending="")
            self.drawn = True
        elif int(share * 10) > self.last_tenth:
            self.last_tenth = int(share * 10)
            self.stream.write(text)
        self.stream.flush()

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import states and LEAs from an NCES CCD LEA directory file or an ELSI district export. "
        "Matches LEAs on LEAID, so importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a CCD LEA directory CSV or an ELSI CSV export")
        parser.add_argument(
            "--state",
            dest="states",
            action="extend",
            nargs="+",
            metavar="XX",
            help="import only the rows of these states (USPS codes, e.g. --state NH VT)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would be created, updated, closed and rejected; write nothing",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="refuse the whole file if any row cannot be used",
        )
        parser.add_argument(
            "--complete-for",
            dest="complete_for",
            action="extend",
            nargs="+",
            default=[],
            metavar="XX",
            help=(
                "the file is the complete list of these states' LEAs: mark the LEAs of these "
                "states that it does not list as closed (needs --close-count; without this "
                "option no LEA is closed)"
            ),
        )
        parser.add_argument(
            "--partial-ok",
            dest="partial_ok",
            action="extend",
            nargs="+",
            default=[],
            metavar="XX",
            help=(
                "close in these states even though the file lists fewer than half of their "
                "operating LEAs (otherwise such a file is taken as a partial list)"
            ),
        )
        parser.add_argument(
            "--close-count",
            dest="close_count",
            type=int,
            metavar="N",
            help=(
                "the number of LEAs you expect --complete-for to close (see it with "
                "--dry-run); any other number refuses the whole import"
            ),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="do not draw the progress bar"
        )

    def handle(
        self,
        *args,
        path,
        states,
        dry_run,
        strict,
        complete_for,
        partial_ok,
        close_count,
        no_progress,
        **options,
    ):
        complete_for = [s.upper() for s in complete_for]
        partial_ok = [s.upper() for s in partial_ok]
        states = [s.upper() for s in states] if states else states
        unknown = [s for s in [*(states or []), *complete_for, *partial_ok] if s not in STATE_FIPS]
        if unknown:
            raise CommandError(f"Unknown state code(s): {', '.join(unknown)}.")
        if set(partial_ok) - set(complete_for):
            raise CommandError("--partial-ok names a state that --complete-for does not.")
        if complete_for and not dry_run and close_count is None:
            raise CommandError(
                "--complete-for closes LEAs: give --close-count N, the number of LEAs it "
                "closes (run with --dry-run first to see them). Nothing was imported."
            )
        if close_count is not None and not complete_for:
            raise CommandError("--close-count only applies with --complete-for.")
        bar = None if no_progress or options["verbosity"] == 0 else ProgressLine(self.stderr)
        try:
            result = ccd_import(
                source=path,
                states=states,
                strict=strict,
                dry_run=dry_run,
                complete_for=complete_for,
                partial_ok=partial_ok,
                expected_closures=None if dry_run else close_count,
                progress=bar,
            )
        except CcdImportError as exc:
            if bar:
                bar.finish()
            lines = [f"{path} was not imported: {exc.message}"]
            lines += [f"  - {issue}" for issue in exc.problems[:SHOWN_ISSUES]]
            if len(exc.problems) > SHOWN_ISSUES:
                lines.append(f"  ... and {len(exc.problems) - SHOWN_ISSUES} more")
            raise CommandError("\n".join(lines)) from None
        if bar:
            bar.finish()
        self._report(result, path=path, verbosity=options["verbosity"])

    def _report(self, result: CcdImportResult, *, path: str, verbosity: int) -> None:
        out = self.stdout
        year = f", school year {result.school_year}" if result.school_year else ""
        out.write(f"{path}: {result.format_label}{year}, {result.rows_read:,} data rows.")
        counts = result.counts()
        words = (
            ("would create", "update", "leave unchanged", "close", "reject")
            if result.dry_run
            else ("created", "updated", "unchanged", "closed", "rejected")
        )
        numbers = [counts[k] for k in ("created", "updated", "unchanged", "closed", "rejected")]
        summary = " · ".join(f"{word} {n:,}" for word, n in zip(words, numbers, strict=True))
        summary = summary[0].upper() + summary[1:]
        if result.skipped_other_states:
            summary += f" · other states skipped {result.skipped_other_states:,}"
        if result.skipped_federal:
            summary += f" · federal school systems skipped {result.skipped_federal:,}"
        style = self.style.WARNING if result.rejected else self.style.SUCCESS
        out.write(style(summary + "."))
        if result.states_created:
            out.write(f"States created: {', '.join(result.states_created)}.")
        if result.states_renamed:
            out.write(f"States given their official name: {', '.join(result.states_renamed)}.")
        if result.complete_states:
            out.write(
                f"Declared the complete list of {', '.join(result.complete_states)}: LEAs of "
                f"{'this state' if len(result.complete_states) == 1 else 'these states'} that "
                f"it does not list {'would be' if result.dry_run else 'were'} marked closed "
                f"({len(result.closed):,})."
            )
        for note in result.notes:
            out.write(note)
        closable = [
            code
            for code, missing in sorted(result.missing.items())
            if missing["count"] and not missing["blocked"] and code not in result.complete_states
        ]
        if closable:
            out.write(
                f"If the file is the complete list of {', '.join(closable)}, see what closing "
                f"would do with --dry-run --complete-for {' '.join(closable)}."
            )
        if result.dry_run and result.closed:
            for change in result.closed:
                out.write(f"  would close {change.leaid} {change.name} ({change.state})")
            out.write(
                f"To close these {len(result.closed):,} LEA(s) for real, run again without "
                f"--dry-run and with --close-count {len(result.closed)}."
            )
        limit = None if verbosity >= 2 else SHOWN_ISSUES
        self._issues("Rejected rows", result.rejected, limit, self.style.ERROR)
        self._issues("Warnings (the row was imported)", result.warnings, limit, self.style.WARNING)
        if verbosity >= 2:
            for change in result.updated:
                fields = ", ".join(
                    f"{k}: {old!r} -> {new!r}" for k, (old, new) in change.changes.items()
                )
                out.write(f"  updated {change.leaid} {change.name}: {fields}")
            for change in [] if result.dry_run else result.closed:
                out.write(f"  closed {change.leaid} {change.name} ({change.state})")
        if result.dry_run:
            out.write(self.style.NOTICE("Dry run: nothing was written."))
        out.write(f"Took {result.seconds:.1f} s.")

    def _issues(self, title, issues, limit, style) -> None:
        if not issues:
            return
        self.stdout.write(style(f"{title}: {len(issues):,}"))
        for issue in issues[:limit]:
            leaid = f" [{issue.leaid}]" if issue.leaid else ""
            self.stdout.write(f"  {issue}{leaid}")
        if limit is not None and len(issues) > limit:
            self.stdout.write(f"  ... and {len(issues) - limit:,} more (use -v 2 to see all)")
