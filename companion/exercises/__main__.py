"""Command line: ``python -m companion.exercises CHAPTER.ipynb STUDENT_COPY.ipynb`` writes a student copy."""
import sys

from .student_copies import strip_solutions

if len(sys.argv) != 3:
    sys.exit("usage: python -m companion.exercises CHAPTER.ipynb STUDENT_COPY.ipynb")
try:
    count = strip_solutions(sys.argv[1], sys.argv[2])
except (ValueError, OSError) as error:
    sys.exit(f"python -m companion.exercises: error: {error}")
print(f"{sys.argv[2]}: written without its {count} solutions")
