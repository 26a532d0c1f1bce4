import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.models import Department, User
from portal.services import staff_assign_department
from portal.validators import id_number_check_char

PASSWORD = "correct-horse-42"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"测试局{n}")


def _id_number(n: int) -> str:
    first17 = f"110101199001{n % 28 + 1:02d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass ``role="inspector"`` (a portal.roles.Role value) to put them in that group."""

    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            _add_role(user, extracted)


class StaffFactory(UserFactory):
    """A member of a department's staff: ``StaffFactory(role="window_clerk", department=d)``."""

    department = factory.SubFactory(DepartmentFactory)

    @factory.post_generation
    def joined(user, create, extracted, **kwargs):
        staff_assign_department(user=user, department=user.department)


class CitizenFactory(UserFactory):
    username = factory.Sequence(lambda n: f"139{n:08d}")
    mobile = factory.SelfAttribute("username")
    id_number = factory.Sequence(_id_number)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        _add_role(user, extracted or "citizen")


def _add_role(user: User, role: str) -> None:
    user.groups.add(Group.objects.get(name=role))


class PowerItemFactory(factory.django.DjangoModelFactory):
    """A draft item; ``PowerItemFactory(published=True)`` gives one in force, ``steps=3`` adds steps."""

    class Meta:
        model = "powers.PowerItem"
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"XK-TEST-{n:04d}")
    name = factory.Sequence(lambda n: f"食品经营许可{n}")
    category = "XK"
    department = factory.SubFactory(DepartmentFactory)
    legal_basis = "《中华人民共和国食品安全法》第三十五条"
    legal_days = 20
    promised_days = 10

    class Params:
        published = factory.Trait(status="published", published_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def steps(item, create, extracted, **kwargs):
        for position in range(1, (extracted or 0) + 1):
            item.steps.create(position=position, name=f"环节{position}", role="reviewer", days_limit=2)
