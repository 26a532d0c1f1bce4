from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
# A photograph of a person (NASA, public domain) and one of an empty table (CC0); see tests/data/README.md.
ASTRONAUT = DATA / "astronaut.jpg"
EMPTY = DATA / "coffee.jpg"
