"""Writes records in Destatis' GV100AD fixed-width layout (220 characters a line).

Only fictional data: the demo Land "Musterland" (key 99) and a neighbour (key 98) whose records
an import for 99 must skip.
"""

from __future__ import annotations

WIDTH = 220


def record(satzart: str, code: str, name: str, *, verband: str = "", sitz: str = "", kennz: str = "",
           area: int = 0, pop: int = 0, male: int = 0, plz: str = "", date: str = "20251231") -> str:
    line = [" "] * WIDTH

    def put(start: int, text: str) -> None:
        line[start:start + len(text)] = list(text)

    put(0, satzart)
    put(2, date)
    put(10, code)
    put(18, verband)
    put(22, name[:50])
    put(72, sitz[:50])
    put(122, kennz)
    if satzart == "60":
        put(128, str(area).rjust(11))
        put(139, str(pop).rjust(11))
        put(150, str(male).rjust(11))
        put(165, plz)
        put(177, "9901")
        put(181, "9")
        put(182, "1")
        put(183, "01")
        put(185, "99101")
    return "".join(line)


def gemeinde(ags: str, verband: str, name: str, pop: int, kennz: str = "64") -> str:
    return record("60", ags, name, verband=verband, kennz=kennz, area=1000 + pop % 977, pop=pop,
                  male=pop // 2, plz="99" + ags[-3:])


def musterland() -> list[str]:
    return [
        record("10", "99", "Musterland", sitz="Musterstadt"),
        record("40", "99101", "Beispielkreis", sitz="Beispielstadt", kennz="44"),
        record("50", "99101", "Musterhausen", verband="5001", sitz="Musterhausen", kennz="53"),
        gemeinde("99101001", "5001", "Kleinmusterdorf", 412),
        gemeinde("99101002", "5001", "Musterhausen", 3120),
        gemeinde("99101003", "5001", "Oberbeispiel", 865),
        gemeinde("99101004", "5001", "Unterbeispiel", 530),
        record("50", "99101", "Am Testbach", verband="5002", sitz="Testbach", kennz="53"),
        gemeinde("99101005", "5002", "Testbach", 2210),
        gemeinde("99101006", "5002", "Probstein", 310),
        gemeinde("99101007", "5002", "Bachmuster", 688),
        record("50", "99101", "Beispielstadt, Stadt", verband="0001", sitz="Beispielstadt", kennz="50"),
        gemeinde("99101008", "0001", "Beispielstadt, Stadt", 18400, kennz="63"),
        record("40", "99102", "Musterberg", sitz="Bergmuster", kennz="44"),
        record("50", "99102", "Bergland", verband="5003", sitz="Höhenmuster", kennz="53"),
        gemeinde("99102001", "5003", "Höhenmuster", 1450),
        gemeinde("99102002", "5003", "Talbeispiel", 720),
        gemeinde("99102003", "5003", "Gipfeldorf", 205),
        record("50", "99102", "Seeblick", verband="5004", sitz="Seedorf", kennz="53"),
        gemeinde("99102004", "5004", "Seedorf", 2600),
        gemeinde("99102005", "5004", "Uferbach", 940),
        gemeinde("99102006", "5004", "Wellenstein", 377),
        record("40", "99103", "Probeland", sitz="Probehafen", kennz="44"),
        record("50", "99103", "Probetal", verband="5005", sitz="Probedorf", kennz="53"),
        gemeinde("99103001", "5005", "Probedorf", 1880),
        gemeinde("99103002", "5005", "Feldmuster", 640),
        record("50", "99103", "Probehafen, Stadt", verband="0002", sitz="Probehafen", kennz="50"),
        gemeinde("99103003", "0002", "Probehafen, Stadt", 24100, kennz="63"),
        record("40", "99311", "Musterstadt, kreisfreie Stadt", sitz="Musterstadt", kennz="41"),
        record("50", "99311", "Musterstadt, Stadt", verband="0000", sitz="Musterstadt", kennz="50"),
        gemeinde("99311000", "0000", "Musterstadt, Stadt", 98500, kennz="61"),
    ]


def neighbour() -> list[str]:
    return [
        record("10", "98", "Nachbarland", sitz="Nachbarstadt"),
        record("40", "98101", "Nachbarkreis", sitz="Nachbarort", kennz="44"),
        record("50", "98101", "Nachbar-VG", verband="5001", sitz="Nachbarort", kennz="53"),
        gemeinde("98101001", "5001", "Nachbarort", 999),
    ]


def text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
