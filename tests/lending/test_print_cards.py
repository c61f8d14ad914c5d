import datetime
import io
import zipfile
from io import StringIO

from django.core.management import CommandError, call_command

import pypdf
import pytest
import zxingcpp
from PIL import Image

from lending.card_codes import card_payload
from lending.models import Card, CardBatch, MembershipStatus
from lending.services.cards import card_issue
from lending.tasks import card_batch_run
from tests.factories.lending import MembershipFactory, ReaderFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("print_cards", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def qr_of(png) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.fixture
def class_7a3(library, reader, reader_card):
    """Class 7A3: Trần Minh Anh with a card, and two classmates who have none yet."""
    classmates = [
        MembershipFactory(reader=ReaderFactory(id_number=number, full_name=name), library=library, class_name="7A3")
        for number, name in [("7900020001", "Võ Thị Hồng Nhung"), ("7900020002", "Đặng Quốc Bảo")]
    ]
    return [reader_card.membership, *classmates]


def current_card(membership) -> Card:
    return membership.cards.get(revoked_at__isnull=True)


def test_print_a_class_as_png_files(tmp_path, class_7a3, reader_card, teacher):
    out, err = run("--library", "thcs-cau-kieu", "--class", "7A3", "--format", "png", "--out", str(tmp_path / "7a3"))

    # Every member of the class has a valid card now, the existing one kept
    cards = [current_card(membership) for membership in class_7a3]
    assert cards[0] == reader_card
    # One PNG per card, named after the card number, whose QR is that card's
    files = sorted(path.name for path in (tmp_path / "7a3").iterdir())
    assert files == sorted([*(f"{card.number}.png" for card in cards), "activation-slips.pdf"])
    for card in cards:
        assert qr_of(tmp_path / "7a3" / f"{card.number}.png") == [card_payload(card)]
    # The teacher (no class) is not printed; progress and summary are reported
    assert "Issued 2 new cards" in err
    assert "Issued 3 activation codes" in err  # nobody in the class has a password yet
    assert "Cards drawn: 3/3" in err
    assert "Wrote 3 cards" in out


def test_print_the_whole_library_as_one_pdf(tmp_path, class_7a3, teacher, resident):
    out, _err = run("--library", "thcs-cau-kieu", "--format", "pdf", "--out", str(tmp_path / "the.pdf"))

    pdf = (tmp_path / "the.pdf").read_bytes()
    # One page of cards, one page of activation slips
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 2
    assert "Wrote 4 cards on 2 A4 pages" in out  # 3 students and the teacher, not the other library's resident


def test_suspended_and_departed_members_are_left_out_of_a_class(tmp_path, class_7a3):
    class_7a3[1].status = MembershipStatus.SUSPENDED
    class_7a3[1].save()
    class_7a3[2].status = MembershipStatus.LEFT
    class_7a3[2].save()

    out, _err = run("--library", "thcs-cau-kieu", "--class", "7a3", "--format", "png", "--out", str(tmp_path))

    assert "Wrote 1 card " in out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["7900012345-01.png", "activation-slips.pdf"]


def test_an_expired_card_is_replaced_before_printing(tmp_path, reader_membership, reader_card):
    Card.objects.filter(pk=reader_card.pk).update(valid_until=datetime.date(2020, 8, 31))

    run("--library", "thcs-cau-kieu", "--reader", "7900012345", "--format", "png", "--out", str(tmp_path / "a.png"))

    reader_card.refresh_from_db()
    assert reader_card.is_revoked
    new = current_card(reader_membership)
    assert new.valid_until > datetime.date(2020, 8, 31)
    assert qr_of(tmp_path / "a.png") == [card_payload(new)]


def test_readers_are_chosen_by_the_id_on_their_card(tmp_path, library, reader, teacher):
    local = MembershipFactory(
        reader=ReaderFactory(id_issuer="thcs-cau-kieu", id_number="123", full_name="Hồ Ngọc Hà"), library=library
    )

    out, _err = run(
        "--library", "thcs-cau-kieu", "--reader", "7900012345", "thcs-cau-kieu:123", "--format", "png",
        "--out", str(tmp_path),
    )  # fmt: skip

    assert "Wrote 2 cards" in out
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [
            f"{current_card(reader.memberships.get()).number}.png",
            f"{current_card(local).number}.png",
            "activation-slips.pdf",
        ]
    )


def test_an_unknown_class_is_reported_with_the_classes_there_are(tmp_path, class_7a3):
    with pytest.raises(CommandError) as error:
        run("--library", "thcs-cau-kieu", "--class", "9Z9", "--format", "pdf", "--out", str(tmp_path / "x.pdf"))

    assert "9Z9" in str(error.value)
    assert "Classes: 7A3" in str(error.value)
    assert not (tmp_path / "x.pdf").exists()
    assert Card.objects.count() == 1  # nothing issued


def test_an_unknown_library_or_reader_is_reported(tmp_path, reader, resident):
    with pytest.raises(CommandError, match="No library has the code 'thcs-khong-co'"):
        run("--library", "thcs-khong-co", "--format", "pdf", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError) as error:
        run("--library", "thcs-cau-kieu", "--reader", "7900012345", "7999999999", "079090001234",
            "--format", "pdf", "--out", str(tmp_path / "x.pdf"))  # fmt: skip
    assert "7999999999: no reader with this ID is a member of thcs-cau-kieu" in str(error.value)
    assert "079090001234: no reader" in str(error.value)  # a member elsewhere only
    assert not (tmp_path / "x.pdf").exists()


def test_several_cards_need_a_folder_not_a_png_file(tmp_path, class_7a3):
    with pytest.raises(CommandError, match="give a folder"):
        run("--library", "thcs-cau-kieu", "--class", "7A3", "--format", "png", "--out", str(tmp_path / "lop.png"))


# --- the background task --------------------------------------------------------------


def test_a_pdf_batch_of_a_class_is_drawn_in_the_background(class_7a3, librarian, library):
    batch = CardBatch.objects.create(library=library, requested_by=librarian, class_name="7A3", format="pdf")

    card_batch_run.enqueue(batch.pk)

    batch.refresh_from_db()
    assert batch.status == CardBatch.Status.DONE
    assert batch.error == ""
    assert batch.finished_at is not None
    assert (batch.processed, batch.total) == (3, 3)
    assert batch.percent == 100
    with batch.file.open("rb") as handle:
        pdf = handle.read()
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 2  # the cards, then the activation slips
    assert all(current_card(membership) for membership in class_7a3)


def test_a_png_batch_of_chosen_members_is_a_zip(reader_suspended, reader_membership, resident, librarian, library):
    # Given a replacement card for a suspended reader, and a member of another library
    new = card_issue(membership=reader_membership)
    foreign = resident.memberships.get()
    batch = CardBatch.objects.create(
        library=library, requested_by=librarian, membership_ids=[reader_membership.pk, foreign.pk], format="png"
    )

    card_batch_run.enqueue(batch.pk)

    # Then only this library's member is printed
    batch.refresh_from_db()
    assert batch.status == CardBatch.Status.DONE
    assert (batch.processed, batch.total) == (1, 1)
    with batch.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        assert archive.namelist() == [f"{new.number}.png", "activation-slips.pdf"]
        assert qr_of(io.BytesIO(archive.read(f"{new.number}.png"))) == [card_payload(new)]


def test_a_batch_with_nobody_to_print_fails_with_a_reason(library, librarian, reader):
    batch = CardBatch.objects.create(library=library, requested_by=librarian, class_name="12C1", format="pdf")

    card_batch_run.enqueue(batch.pk)

    batch.refresh_from_db()
    assert batch.status == CardBatch.Status.FAILED
    assert batch.error
    assert batch.finished_at is not None
    assert not batch.file
