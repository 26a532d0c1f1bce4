"""The masking helper on its own: what the public may read of a party."""

import pytest

from workflow.masking import mask_id_number, mask_mobile, mask_name, mask_text


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张**"), ("欧阳明月", "欧**"), ("李", "李**"), (" 王五 ", "王**"), ("", "")],
)
def test_a_name_keeps_only_its_first_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110101199001011237", "1101**********1237"),
        ("11010119900101123X", "1101**********123X"),
        ("92110101MA01ABCD2X", "9211**********CD2X"),
        ("1234567", "*******"),
    ],
)
def test_an_id_number_hides_the_birth_date_and_serial(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(("mobile", "masked"), [("13912345678", "139****5678"), ("12345", "*****"), ("", "")])
def test_a_mobile_number_hides_its_middle_four_digits(mobile, masked):
    assert mask_mobile(mobile) == masked


def test_free_text_masks_the_partys_name_and_any_id_or_mobile_number():
    text = "当事人张三（身份证号110101199001011237，电话13912345678）在张三便利店销售过期食品，货值1000000000001元。"

    masked = mask_text(text, names=("张三",))

    assert masked == (
        "当事人张**（身份证号1101**********1237，电话139****5678）在张**便利店销售过期食品，货值1000000000001元。"
    )
