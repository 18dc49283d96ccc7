"""Grade export and reporting: the nbgrader gradebook as a table, a CSV export, and per-chapter reports.

A chapter id is both the nbgrader assignment id and the notebook id. Points come from the gradebook
(``grading/gradebook.db``); the order of graded cells comes from the chapter's solution notebook (or its
release), because the gradebook does not record where a cell sits in the notebook.

Importing this module has no side effects: matplotlib is imported only when a report draws its plots,
and the plots are drawn on an Agg canvas of their own, so the caller's matplotlib backend is left alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
from nbgrader.api import Gradebook, MissingEntry

from autograder.course import gradebook_path, release_notebook, solution_notebook

ID_COLUMNS = ("student", "chapter", "submitted")
TOTAL_COLUMNS = ("total", "max_total")
MAX_UNIT_BINS = 20  # up to this many points, the score histogram has one bin per whole point


@dataclass(frozen=True)
class ChapterGrades:
    """The graded cells of one chapter and the points of every student who submitted it."""

    chapter: str
    max_scores: dict[str, float]  # grade_id -> max points, in notebook order
    points: dict[str, dict[str, float]]  # student -> grade_id -> points earned, submitted students only

    @property
    def max_total(self) -> float:
        return float(sum(self.max_scores.values()))


@dataclass(frozen=True)
class Report:
    """The numbers of a chapter report and the files it wrote. Statistics are over submitted students."""

    chapter: str
    students: int  # every student in the gradebook
    submitted: int
    max_total: float
    mean: float
    median: float
    minimum: float
    maximum: float
    max_scores: dict[str, float]  # grade_id -> max points, in notebook order
    pass_rates: dict[str, float]  # grade_id -> fraction of submitted students with full points
    histogram_counts: tuple[int, ...]  # submitted students per bin of total points
    histogram_edges: tuple[float, ...]  # len(histogram_counts) + 1 bin edges
    markdown: Path
    scores_plot: Path
    pass_rates_plot: Path


def notebook_order(course_root: Path, chapter: str) -> dict[str, int]:
    """Position of each grade_id in the chapter's solution notebook (or release); empty if neither exists."""
    for path in (solution_notebook(chapter, course_root), release_notebook(chapter, course_root)):
        if path.is_file():
            cells = nbformat.read(path, as_version=4).cells
            grade_ids = (cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells)
            return {grade_id: index for index, grade_id in enumerate(grade_ids) if grade_id}
    return {}


def read_gradebook(course_root: Path, chapter: str | None = None) -> tuple[list[str], list[ChapterGrades]]:
    """Every student id, and the grades of ``chapter`` (or of every chapter), both sorted by id.

    Raises FileNotFoundError if the course has no gradebook (rather than creating an empty one) and
    ValueError if ``chapter`` is not an assignment in it.
    """
    course_root = Path(course_root)
    path = gradebook_path(course_root)
    if not path.is_file():
        raise FileNotFoundError(f"no gradebook at {path}: autograde some submissions first")
    with Gradebook(f"sqlite:///{path}") as gradebook:
        students = sorted(student.id for student in gradebook.students)
        names = sorted(assignment.name for assignment in gradebook.assignments)
        if chapter is not None:
            if chapter not in names:
                raise ValueError(f"chapter {chapter!r} is not in the gradebook {path}")
            names = [chapter]
        grades = [chapter_grades(gradebook, name, notebook_order(course_root, name)) for name in names]
    return students, grades


def chapter_grades(gradebook: Gradebook, chapter: str, order: dict[str, int]) -> ChapterGrades:
    """Read one chapter (its notebook of the same id) from an open gradebook."""
    try:
        notebook = gradebook.find_notebook(chapter, chapter)
    except MissingEntry:  # an assignment whose notebook was never generated: nothing graded, nobody submitted
        return ChapterGrades(chapter, {}, {})
    cells = sorted(
        [*notebook.grade_cells, *notebook.task_cells],
        key=lambda cell: (order.get(cell.name, len(order)), cell.name),  # cells not in the notebook go last
    )
    max_scores = {cell.name: float(cell.max_score) for cell in cells}
    reserved = set(ID_COLUMNS + TOTAL_COLUMNS) & max_scores.keys()
    if reserved:
        raise ValueError(f"chapter {chapter!r} has graded cells named like report columns: {sorted(reserved)}")
    points = {
        submission.student.id: {grade.name: float(grade.score) for grade in submission.grades}
        for submission in notebook.submissions
    }
    return ChapterGrades(chapter, max_scores, points)


def rows_of(students: list[str], grades: ChapterGrades) -> list[dict]:
    """One row per student for a chapter: unsubmitted students get 0 points on every cell."""
    rows = []
    for student in students:
        earned = grades.points.get(student, {})
        cells = {grade_id: earned.get(grade_id, 0.0) for grade_id in grades.max_scores}
        rows.append(
            {
                "student": student,
                "chapter": grades.chapter,
                "submitted": student in grades.points,
                **cells,
                "total": float(sum(cells.values())),
                "max_total": grades.max_total,
            }
        )
    return rows


def grade_rows(course_root: Path, chapter: str | None = None) -> pd.DataFrame:
    """One row per student and chapter: ``student, chapter, submitted``, the points of each graded cell, totals.

    Graded cells (autograded tests and manually graded cells) are columns named by grade_id, in notebook
    order (chapter by chapter when ``chapter`` is None; a cell a chapter lacks is NaN on its rows). Points
    are nbgrader's score: a manual grade overrides the autograder's, and extra credit is included. Rows are
    sorted by chapter, then student.
    """
    students, chapters = read_gradebook(course_root, chapter)
    cell_columns = list(dict.fromkeys(grade_id for grades in chapters for grade_id in grades.max_scores))
    rows = [row for grades in chapters for row in rows_of(students, grades)]
    table = pd.DataFrame(rows, columns=[*ID_COLUMNS, *cell_columns, *TOTAL_COLUMNS])
    return table.astype({"submitted": bool})


def export_csv(course_root: Path, path: Path | str, chapter: str | None = None) -> Path:
    """Write :func:`grade_rows` to ``path`` as CSV (no index column); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grade_rows(course_root, chapter).to_csv(path, index=False)
    return path


def score_bin_edges(totals: np.ndarray, max_total: float) -> np.ndarray:
    """Histogram edges covering 0..max_total (and any total outside it): one bin per point when that is few."""
    low = math.floor(min(0.0, float(totals.min())))
    high = math.ceil(max(max_total, float(totals.max())))
    if high - low <= MAX_UNIT_BINS:
        return np.arange(low - 0.5, high + 1.0)  # bins centred on whole points
    return np.linspace(low, high, MAX_UNIT_BINS + 1)


def number(value: float) -> str:
    """A number for the report: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bin_label(left: float, right: float) -> str:
    if right - left == 1 and (left + 0.5).is_integer():
        return number(left + 0.5)
    return f"{number(left)} to {number(right)}"


def report_markdown(report: Report) -> str:
    lines = [
        f"# Grade report: {report.chapter}",
        "",
        f"{report.submitted} of {report.students} students submitted. "
        "Pass rates and statistics are over submitted students.",
        "",
        "## Per-test pass rates",
        "",
        "| Cell | Points | Full points | Pass rate |",
        "| --- | ---: | ---: | ---: |",
    ]
    for grade_id, rate in report.pass_rates.items():
        passed = round(rate * report.submitted)
        lines.append(
            f"| {grade_id} | {number(report.max_scores[grade_id])} | {passed} of {report.submitted} | {rate:.1%} |"
        )
    lines += [
        "",
        "## Summary",
        "",
        "| Statistic | Points |",
        "| --- | ---: |",
        f"| Mean | {number(report.mean)} |",
        f"| Median | {number(report.median)} |",
        f"| Min | {number(report.minimum)} |",
        f"| Max | {number(report.maximum)} |",
        f"| Possible | {number(report.max_total)} |",
        "",
        "## Score distribution",
        "",
        "| Total points | Students |",
        "| --- | ---: |",
    ]
    edges = report.histogram_edges
    lines += [f"| {bin_label(edges[i], edges[i + 1])} | {count} |" for i, count in enumerate(report.histogram_counts)]
    lines += [
        "",
        f"![Score distribution]({report.scores_plot.name})",
        "",
        f"![Pass rates]({report.pass_rates_plot.name})",
        "",
    ]
    return "\n".join(lines)


def new_figure():
    """A figure on its own Agg canvas: no pyplot, so no global backend is chosen or switched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def plot_scores(report: Report, totals: np.ndarray, path: Path) -> None:
    from matplotlib.ticker import MaxNLocator

    figure = new_figure()
    axes = figure.add_subplot()
    axes.hist(totals, bins=np.asarray(report.histogram_edges), edgecolor="black")
    axes.axvline(report.mean, color="tab:red", linestyle="--", label=f"mean {number(report.mean)}")
    axes.set_xlabel(f"total points (out of {number(report.max_total)})")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(report.histogram_counts) * 1.15 + 1)  # headroom for the legend
    axes.set_title(f"{report.chapter}: score distribution ({report.submitted} submissions)")
    axes.legend()
    figure.savefig(path)


def plot_pass_rates(report: Report, path: Path) -> None:
    figure = new_figure()
    axes = figure.add_subplot()
    names = list(report.pass_rates)
    bars = axes.barh(names, list(report.pass_rates.values()))
    axes.bar_label(bars, labels=[f"{rate:.0%}" for rate in report.pass_rates.values()], padding=3)
    axes.invert_yaxis()  # notebook order, top to bottom
    axes.set_xlim(0, 1.1)
    axes.set_xlabel("fraction of submitted students with full points")
    axes.set_ylabel("graded cell")
    axes.set_title(f"{report.chapter}: pass rate per test ({report.submitted} submissions)")
    figure.savefig(path)


def chapter_report(course_root: Path, chapter: str, output_dir: Path) -> Report:
    """Pass rates, score statistics and a histogram of totals for ``chapter``, written to ``output_dir``.

    Writes ``<chapter>_report.md``, ``<chapter>_scores.png`` and ``<chapter>_pass_rates.png``. A cell is
    passed by a student with full points on it. Raises ValueError naming the chapter if it is not in the
    gradebook or nobody submitted it.
    """
    students, (grades,) = read_gradebook(course_root, chapter)
    if not grades.points:
        raise ValueError(f"chapter {chapter!r} has no submissions in the gradebook: there is nothing to report")
    submitted = sorted(grades.points)
    totals = np.array([sum(grades.points[s].get(g, 0.0) for g in grades.max_scores) for s in submitted], dtype=float)
    pass_rates = {
        grade_id: sum(grades.points[s].get(grade_id, 0.0) >= max_score for s in submitted) / len(submitted)
        for grade_id, max_score in grades.max_scores.items()
    }
    edges = score_bin_edges(totals, grades.max_total)
    counts, _ = np.histogram(totals, bins=edges)
    output_dir = Path(output_dir)
    report = Report(
        chapter=chapter,
        students=len(students),
        submitted=len(submitted),
        max_total=grades.max_total,
        mean=float(totals.mean()),
        median=float(np.median(totals)),
        minimum=float(totals.min()),
        maximum=float(totals.max()),
        max_scores=dict(grades.max_scores),
        pass_rates=pass_rates,
        histogram_counts=tuple(int(count) for count in counts),
        histogram_edges=tuple(float(edge) for edge in edges),
        markdown=output_dir / f"{chapter}_report.md",
        scores_plot=output_dir / f"{chapter}_scores.png",
        pass_rates_plot=output_dir / f"{chapter}_pass_rates.png",
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    plot_scores(report, totals, report.scores_plot)
    plot_pass_rates(report, report.pass_rates_plot)
    report.markdown.write_text(report_markdown(report))
    return report
