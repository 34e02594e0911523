"""Command line: ``python -m companion.exercises COLAB_EDITION.ipynb STUDENT_COPY.ipynb`` writes a
student copy of a chapter's Colab edition (``_build/notebooks/book/``, or the ``colab`` branch)."""
import sys

from .student_copies import is_book_source, read_notebook, strip_solutions

if len(sys.argv) != 3:
    sys.exit("usage: python -m companion.exercises COLAB_EDITION.ipynb STUDENT_COPY.ipynb")
try:
    if is_book_source(read_notebook(sys.argv[1])):
        sys.exit(
            f"python -m companion.exercises: error: {sys.argv[1]} is the book's MyST source, which "
            "Colab and Jupyter show raw; give its Colab edition instead: `make book` writes it to "
            "_build/notebooks/book/, and the repository's colab branch holds the published one "
            "(its student/ folder holds every student copy already)")
    count = strip_solutions(sys.argv[1], sys.argv[2])
except (ValueError, OSError) as error:
    sys.exit(f"python -m companion.exercises: error: {error}")
print(f"{sys.argv[2]}: written without its {count} solutions")
