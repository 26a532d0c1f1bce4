"""Count the people a camera sees at a service window, with the Haar cascades OpenCV 4 ships.

Haar and not HOG: the HOG people detector is trained on whole standing pedestrians and misses a
clerk seated behind a counter, who shows a face and shoulders at most (../shared/NOTES.md). A
frontal face, a profile face (either way) and an upper body each say "someone is there"; boxes that
overlap are one person. OpenCV 5 dropped these cascades from its wheels, hence the 4.x pin.
"""

import threading

import cv2
import numpy as np

# Larger frames are scaled down first: cost grows with area, and at a window the clerk's face is
# still 30 px or more at this width (every camera in a cycle is counted, so this sets B6's cost).
MAX_WIDTH = 480

# (cascade file, scaleFactor, minNeighbors, minSize); tuned on the photos in tests/data/. A scale step
# of 1.2 halves the cost of 1.1 (about 0.12 s a frame here) and still finds the same people.
CASCADES = {
    "face": ("haarcascade_frontalface_alt2.xml", 1.2, 4, (30, 30)),
    "profile": ("haarcascade_profileface.xml", 1.2, 5, (30, 30)),
    "upper_body": ("haarcascade_upperbody.xml", 1.2, 4, (60, 60)),
}

# A CascadeClassifier keeps scratch state while it detects, so one shared instance is not safe
# across threads (grab workers, Celery threads): each thread loads its own set, once.
_local = threading.local()


def _classifiers() -> dict[str, cv2.CascadeClassifier]:
    classifiers = getattr(_local, "classifiers", None)
    if classifiers is None:
        classifiers = {}
        for name, (filename, *_params) in CASCADES.items():
            classifier = cv2.CascadeClassifier(cv2.data.haarcascades + filename)
            if classifier.empty():
                raise RuntimeError(f"OpenCV has no {filename}; is opencv-python-headless 4.x installed?")
            classifiers[name] = classifier
        _local.classifiers = classifiers
    return classifiers


def detect_people(frame: np.ndarray) -> list[tuple[int, int, int, int]]:
    """One box (x, y, w, h) per person, in the frame's own coordinates."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    scale = 1.0
    if gray.shape[1] > MAX_WIDTH:
        scale = gray.shape[1] / MAX_WIDTH
        size = (MAX_WIDTH, max(1, round(gray.shape[0] / scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(gray)
    width = gray.shape[1]
    boxes: list[tuple[int, int, int, int]] = []
    for name, classifier in _classifiers().items():
        _filename, scale_factor, min_neighbors, min_size = CASCADES[name]
        found = classifier.detectMultiScale(
            gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=min_size
        )
        boxes += [tuple(int(v) for v in box) for box in found]
        if name == "profile":
            # The profile cascade only knows faces turned one way; the mirror image finds the others.
            mirrored = classifier.detectMultiScale(
                cv2.flip(gray, 1), scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=min_size
            )
            boxes += [(width - int(x) - int(w), int(y), int(w), int(h)) for x, y, w, h in mirrored]
    people = _merge(boxes)
    return [tuple(round(v * scale) for v in box) for box in people]


def count_people(frame: np.ndarray) -> int:
    return len(detect_people(frame))


def _same_person(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Overlapping boxes, or one box's centre inside the other (a face inside its upper body)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    if inter and inter / min(aw * ah, bw * bh) >= 0.5:
        return True
    return _centre_inside(a, b) or _centre_inside(b, a)


def _centre_inside(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Group boxes that belong to one person (transitively) and keep each group's bounding box."""
    groups: list[list[tuple[int, int, int, int]]] = []
    for box in boxes:
        joined = [group for group in groups if any(_same_person(box, other) for other in group)]
        merged = [box] + [member for group in joined for member in group]
        groups = [group for group in groups if group not in joined] + [merged]
    people = []
    for group in groups:
        x0 = min(x for x, _, _, _ in group)
        y0 = min(y for _, y, _, _ in group)
        x1 = max(x + w for x, _, w, _ in group)
        y1 = max(y + h for _, y, _, h in group)
        people.append((x0, y0, x1 - x0, y1 - y0))
    return people
