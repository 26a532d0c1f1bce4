"""Extension points for the apps that build on workflow.

Dependencies run one way (portal <- powers <- workflow <- supervision <- video): workflow may not
import video, yet the workbench's trail shows the hall camera's snapshot at each transition. So
apps to the right register functions here in their AppConfig.ready().
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    label: str
    url: str


# Each takes (user, case, trail entries) and returns {entry id: [Link, ...]}.
TRAIL_LINKS: list[Callable[..., dict[int, list[Link]]]] = []


def trail_links(user, case, entries: Sequence) -> dict[int, list[Link]]:
    links: dict[int, list[Link]] = {}
    for provider in TRAIL_LINKS:
        for entry_id, found in provider(user, case, entries).items():
            links.setdefault(entry_id, []).extend(found)
    return links
