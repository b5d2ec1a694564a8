"""Vietnamese alphabetical order (as ICU's ``vi`` collation) and diacritic-free search text."""

import random

from nongthonso.core.text import fold, vi_sort_key

DISTRICTS_IN_ORDER = ["Đại Từ", "Định Hóa", "Đồng Hỷ", "Phổ Yên", "Phú Bình", "Phú Lương", "Sông Công",
                      "Thái Nguyên", "Võ Nhai"]


def test_thai_nguyen_districts_sort_in_vietnamese_order():
    # given the nine district names in code-point order (where Đ comes last)
    names = sorted(DISTRICTS_IN_ORDER)
    assert names[-3:] == ["Đại Từ", "Định Hóa", "Đồng Hỷ"]
    # when sorted by the Vietnamese key
    # then đ is its own letter after d, and ô comes before u ("Phổ Yên" before "Phú Bình")
    assert sorted(names, key=vi_sort_key) == DISTRICTS_IN_ORDER


def test_d_then_dd_then_e():
    names = ["Ea Súp", "Đắk Mil", "Dương Minh Châu", "Duy Tiên", "Đà Bắc", "Yên Bái"]
    assert sorted(names, key=vi_sort_key) == ["Duy Tiên", "Dương Minh Châu", "Đà Bắc", "Đắk Mil", "Ea Súp",
                                              "Yên Bái"]


def test_a_shorter_word_sorts_before_a_longer_one():
    assert sorted(["Bách Quang", "Ba Bể"], key=vi_sort_key) == ["Ba Bể", "Bách Quang"]


def test_letters_decide_before_tones_and_tones_break_ties():
    # a ă â are letters; tones (none, huyền, hỏi, ngã, sắc, nặng) only break ties
    assert sorted(["Ân", "Ăn", "An", "Án", "Àn"], key=vi_sort_key) == ["An", "Àn", "Án", "Ăn", "Ân"]
    names = ["ma", "mà", "mả", "mã", "má", "mạ"]
    shuffled = names[:]
    random.Random(1).shuffle(shuffled)
    assert sorted(shuffled, key=vi_sort_key) == names


def test_fold_removes_diacritics_and_d_stroke():
    assert fold("Đại Từ") == "dai tu"
    assert fold("Xã Phấn Mễ 05644") == "xa phan me 05644"
