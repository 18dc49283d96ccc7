"""nbgrader configuration for the course: solutions/ is the source, notebooks/ the student release."""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader's config loader)

course_root = Path(__file__).resolve().parent.parent

c.CourseDirectory.root = str(course_root)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.db_url = f"sqlite:///{course_root / 'grading' / 'gradebook.db'}"  # as autograder.course.GRADEBOOK
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.md", ".DS_Store"]

c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Student exercise: replace this line with your code")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ExecutePreprocessor.timeout = 120
