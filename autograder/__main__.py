"""Instructor command line for the course: release, check, collect, grade, feedback, export, export-code, report, book.

Run ``python -m autograder COMMAND --help`` for the options of each command.
"""

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from autograder import integrity
from autograder.book import build_instructor_book
from autograder.code_export import check_exported_code, write_exported_code
from autograder.collect import collect
from autograder.course import COURSE_ROOT, chapters, release
from autograder.feedback import write_feedback
from autograder.grading import Limits, collected_students, grade_chapter, graded_students, load_result
from autograder.reports import chapter_report, export_csv


def release_command(args) -> int:
    for chapter in [args.chapter] if args.chapter else chapters(args.course):
        path = release(chapter, args.course)
        print(f"released {chapter}: {path.relative_to(args.course)}")
    return 0


def chapter_problems(course: Path, chapter: str, scratch: Path) -> list[integrity.Problem]:
    """Every integrity problem of one chapter, using ``scratch`` for generated files."""
    workspace = integrity.prepare_workspace(chapter, course, scratch / chapter)
    scores = integrity.autograde_solution_and_release(chapter, course, workspace)
    return [
        *integrity.check_cell_metadata(chapter, course),
        *integrity.check_test_messages(chapter, course),
        *integrity.check_no_leaks(chapter, course),
        *integrity.check_release_current(chapter, course, workspace),
        *integrity.check_solution_full_marks(chapter, scores),
        *integrity.check_release_scores_zero(chapter, scores),
        *integrity.check_solution_executes(chapter, course, scratch),
    ]


def check_command(args) -> int:
    problems = [*integrity.check_toc(args.course), *check_exported_code(args.course)]
    with tempfile.TemporaryDirectory(prefix="course-check-") as scratch:
        for chapter in [args.chapter] if args.chapter else chapters(args.course):
            problems += chapter_problems(args.course, chapter, Path(scratch))
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) found" if problems else "course integrity: all checks pass")
    return 1 if problems else 0


def collect_command(args) -> int:
    report = collect(args.chapter, Path(args.source), args.course)
    for taken in report.taken:
        print(f"collected {taken}")
    for rejected in report.rejected:
        print(f"NOT collected {rejected}")
    print(report.summary())
    return 0


def grade_command(args) -> int:
    limits = Limits(cell_timeout=args.cell_timeout, wall_seconds=args.time_limit, memory_mb=args.memory_mb)
    total = len(collected_students(args.chapter, args.course))
    if total == 0:
        print(f"no collected submissions of {args.chapter}: run `python -m autograder collect` first", file=sys.stderr)
        return 1
    with tqdm(total=total, desc=f"grading {args.chapter}", unit="submission") as bar:

        def progress(result) -> None:
            bar.update()
            if result.reason:
                bar.write(f"{result.student}: {result.status}: {result.reason}")

        results = grade_chapter(args.chapter, args.course, jobs=args.jobs, limits=limits, progress=progress)
    statuses = Counter(result.status for result in results)
    full = sum(result.score == result.max_score for result in results)
    print(
        f"graded {len(results)} submissions of {args.chapter} ({full} with full marks): "
        f"{statuses['graded']} graded, {statuses['failed']} failed, {statuses['timed out']} timed out, "
        f"{statuses['crashed']} crashed"
    )
    return 0


def feedback_command(args) -> int:
    students = graded_students(args.chapter, args.course)
    for student in tqdm(students, desc=f"feedback {args.chapter}", unit="student"):
        write_feedback(load_result(args.course, student, args.chapter), args.course)
    print(f"wrote feedback for {len(students)} students in grading/feedback/<student>/{args.chapter}/")
    return 0


def export_command(args) -> int:
    path = export_csv(args.course, args.course / args.output, args.chapter)
    print(f"grades written to {path}")
    return 0


def export_code_command(args) -> int:
    if args.check:
        problems = check_exported_code(args.course)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} exported file(s) out of date" if problems else "deploy/ matches the notebooks")
        return 1 if problems else 0
    for path in write_exported_code(args.course):
        print(f"exported {path}")
    return 0


def report_command(args) -> int:
    report = chapter_report(args.course, args.chapter, args.course / args.output_dir)
    print(report.markdown)
    print(f"plots: {report.scores_plot}, {report.pass_rates_plot}")
    return 0


def book_command(args) -> int:
    output = args.output.resolve()
    cache = args.course / "_build" / ".jupyter_cache"
    print(f"building the instructor edition into {output} (pages executed with the cache {cache})")
    result = build_instructor_book(args.course, output, cache)
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
        print("the instructor edition did not build: the errors are above", file=sys.stderr)
        return 1
    print(f"The instructor edition is built: open file://{output / '_build' / 'html' / 'index.html'}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    main.add_argument(
        "--course",
        type=lambda path: Path(path).resolve(),
        default=COURSE_ROOT,
        help="the course folder (default: this course)",
    )
    commands = main.add_subparsers(dest="command", required=True)

    def command(name: str, run, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    release_parser = command("release", release_command, "regenerate student notebooks from solutions/")
    release_parser.add_argument("chapter", nargs="?", help="one chapter id (default: every chapter)")
    check_parser = command("check", check_command, "check the course integrity invariants, as CI does")
    check_parser.add_argument("chapter", nargs="?", help="one chapter id (default: every chapter)")
    collect_parser = command("collect", collect_command, "lay out submissions from a folder as nbgrader expects")
    collect_parser.add_argument("chapter")
    collect_parser.add_argument("source", help="folder of notebooks, zips, student folders or a Canvas download")
    grade_parser = command("grade", grade_command, "autograde every collected submission in sandboxes")
    grade_parser.add_argument("chapter")
    grade_parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    grade_parser.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell (default 60)")
    grade_parser.add_argument("--time-limit", type=int, default=300, help="seconds per submission (default 300)")
    grade_parser.add_argument("--memory-mb", type=int, default=2048, help="memory per submission (default 2048)")
    feedback_parser = command("feedback", feedback_command, "write each student's HTML feedback")
    feedback_parser.add_argument("chapter")
    export_parser = command("export", export_command, "write grades as CSV, one row per student and chapter")
    export_parser.add_argument("chapter", nargs="?", help="one chapter id (default: every chapter)")
    export_parser.add_argument("--output", default="grading/grades.csv", help="CSV path (default grading/grades.csv)")
    export_code_parser = command(
        "export-code", export_code_command, "write deploy/'s service code from the capstone solution notebooks"
    )
    export_code_parser.add_argument("--check", action="store_true", help="only compare; exit 1 on any difference")
    report_parser = command("report", report_command, "score distribution and per-test pass rates of a chapter")
    report_parser.add_argument("chapter")
    report_parser.add_argument("--output-dir", default="grading/reports", help="where the report goes")
    book_parser = command("book", book_command, "build the instructor edition of the book, with the solutions")
    book_parser.add_argument("--output", type=Path, default=Path("_build/instructor"), help="default _build/instructor")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
