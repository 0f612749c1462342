"""What a higher app tells the import without staffing importing it (the layers go one way).

The council freezes figures of positions in its released papers. Its AppConfig registers
:func:`register_released_papers` a function that names, per programme, the released papers
printing that programme's figures; the preview warns on every row that would change one of them
(:func:`staffing.imports.positions.build_preview`). Without a registered function (staffing on its
own, as in a test of the lower layers) there is nothing to warn about.
"""

from collections.abc import Callable, Iterable

# programme ids -> {programme id: [paper references, newest first]}
ReleasedPapers = Callable[[Iterable[int]], dict[int, list[str]]]

_released_papers: list[ReleasedPapers] = []


def register_released_papers(source: ReleasedPapers) -> None:
    if source not in _released_papers:
        _released_papers.append(source)


def released_papers(programme_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per programme, the references of the released papers that print its figures."""
    ids = set(programme_ids)
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for source in _released_papers:
        for programme, references in source(ids).items():
            found.setdefault(programme, []).extend(references)
    return found
