import threading

import cv2
import numpy as np

from tests.video import ASTRONAUT, EMPTY
from video.detection import count_people, detect_people


def test_finds_the_person_in_a_photograph():
    assert count_people(cv2.imread(str(ASTRONAUT))) >= 1


def test_finds_no_one_in_a_photograph_without_people():
    assert count_people(cv2.imread(str(EMPTY))) == 0


def test_finds_no_one_in_a_blank_frame():
    assert count_people(np.zeros((480, 640, 3), np.uint8)) == 0


def test_two_people_side_by_side_count_twice():
    photo = cv2.imread(str(ASTRONAUT))
    assert count_people(cv2.hconcat([photo, photo])) == 2


def test_boxes_of_a_large_frame_are_in_its_own_coordinates():
    photo = cv2.imread(str(ASTRONAUT))
    [(x, y, w, h)] = detect_people(cv2.resize(photo, (1536, 1536)))
    assert 400 < x + w / 2 < 900 and 100 < y + h / 2 < 600


def test_counts_the_same_from_several_threads_at_once():
    photo = cv2.imread(str(ASTRONAUT))
    counts = []
    threads = [threading.Thread(target=lambda: counts.append(count_people(photo))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert counts == [1, 1, 1, 1]
