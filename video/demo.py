"""Demo cameras for `seed_demo`: `make run` serves the first two with `manage.py fake_camera`
(Procfile); nothing answers on the third's port, so the wall shows an offline camera too."""

from django.db import transaction

from portal.models import Department

from .models import Camera

CAMERAS = [
    # (name, window, department code, source)
    ("市场监管综合受理", "1", "YG-SJJ", "http://127.0.0.1:8101/stream.mjpg"),
    ("食品经营许可", "2", "YG-SJJ", "http://127.0.0.1:8102/snapshot.jpg"),
    ("社会保障业务", "3", "YG-RSJ", "http://127.0.0.1:8103/snapshot.jpg"),
]


@transaction.atomic
def seed() -> list:
    for name, window, department_code, source in CAMERAS:
        Camera.objects.update_or_create(
            hall="阳光区政务服务中心一楼大厅",
            name=name,
            defaults={
                "window_number": window,
                "department": Department.objects.get(code=department_code),
                "source_url": source,
            },
        )
    return []
