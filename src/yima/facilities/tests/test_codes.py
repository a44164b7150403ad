import pytest

from yima.facilities.codes import CodeError, check_char, compose, format_code, parse_code


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("34052419800101001", "X"), ("11010519491231002", "X"), ("88888818880808888", "0")],
)
def test_check_char_matches_gb11643_vectors(digits, expected):
    assert check_char(digits) == expected


@pytest.mark.parametrize("code", ["360121-2019-0019-X", "360121-2019-0017-3"])
def test_domain_examples_are_valid(code):
    assert parse_code(code).display == code


def test_compose_gives_the_domain_example():
    assert format_code(compose("360121", 2019, 19)) == "360121-2019-0019-X"


@pytest.mark.parametrize(
    "typed",
    [
        "360121-2019-0019-x",
        " 360121 2019 0019 X ",
        "36012120190019X",
        "３６０１２１－２０１９－００１９－Ｘ",
        "360121—2019—0019—X",
    ],
)
def test_forgiving_formats_are_accepted(typed):
    assert parse_code(typed).compact == "36012120190019X"


def test_wrong_check_character_is_told_apart_from_malformed():
    with pytest.raises(CodeError) as bad:
        parse_code("360121-2019-0019-3")
    assert bad.value.kind == "bad_check"
    with pytest.raises(CodeError) as malformed:
        parse_code("360121-2019-19-X")
    assert malformed.value.kind == "malformed"
    with pytest.raises(CodeError) as letters:
        parse_code("ABC")
    assert letters.value.kind == "malformed"


def test_parsed_code_parts():
    parsed = parse_code("360121-2019-0017-3")
    assert (parsed.county_code, parsed.year, parsed.serial) == ("360121", 2019, 17)


def test_compose_many_gives_what_compose_gives():
    from yima.facilities.codes import compose_many

    for county, year in (("360121", 2019), ("110105", 1980), ("659004", 2100)):
        serials = [1, 9, 10, 99, 100, 999, 1000, 4321, 9999]
        assert compose_many(county, year, serials) == [compose(county, year, s) for s in serials]
