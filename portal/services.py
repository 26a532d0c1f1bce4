from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import Heartbeat, User
from .roles import Role


@transaction.atomic
def citizen_register(*, name: str, mobile: str, id_number: str, password: str) -> User:
    """A citizen's own account: they log in with their mobile number."""
    user = User(username=mobile, name=name, mobile=mobile, id_number=id_number)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=Role.CITIZEN))
    return user


def heartbeat_record(*, name: str = "beat") -> Heartbeat:
    heartbeat, _created = Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
    return heartbeat
