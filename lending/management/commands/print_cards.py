"""``manage.py print_cards --library CODE [--class 7A3 | --reader ID ...] --format png|pdf --out PATH``

Prints reader cards for the active members of a library, of one class, or for the readers
named by their ID (as printed on the card: ``7900012345`` or ``thcs-cau-kieu:123``, or
the bare ID number). Members without a valid card get a new one first. ``--format pdf``
writes one A4 PDF (10 cards a page, with cut marks) at PATH; ``--format png`` writes
``<card number>.png`` files into the folder PATH (created if needed), or, for a single
card, straight to PATH when it ends with ``.png``.

Progress goes to stderr, the summary to stdout; an unknown library, class or reader ID
stops the command with an error (exit status 1) before anything is issued or written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from lending.card_render import activation_slips_pdf_write, card_png, cards_pdf_write, cards_png
from lending.models import Membership, MembershipStatus
from lending.services.activation import activation_slips_issue
from lending.tasks import card_file_name, card_print_cards, card_print_memberships
from library_site.libraries.models import Library

PROGRESS_EVERY = 50


class Command(BaseCommand):
    help = "Print reader cards (PNG files or an A4 PDF) for a library's members."

    def add_arguments(self, parser):
        parser.add_argument("--library", required=True, help="Code of the library, e.g. thcs-cau-kieu.")
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--class", dest="class_name", help="Only the active members of this class, e.g. 7A3.")
        who.add_argument(
            "--reader",
            dest="readers",
            nargs="+",
            action="extend",
            metavar="ID",
            help="Only these readers, by the ID printed on their card (or the ID number).",
        )
        parser.add_argument("--format", choices=["png", "pdf"], default="pdf")
        parser.add_argument("--out", required=True, help="The PDF file, or the folder for the PNG files.")

    def handle(self, *args, **options):
        library = self._library(options["library"])
        class_name = (options["class_name"] or "").strip()
        membership_ids = self._memberships_of_readers(library, options["readers"]) if options["readers"] else None
        memberships = card_print_memberships(library=library, class_name=class_name, membership_ids=membership_ids)
        if class_name and not memberships.exists():
            classes = sorted(
                set(
                    Membership.objects.filter(library=library, status=MembershipStatus.ACTIVE)
                    .exclude(class_name="")
                    .values_list("class_name", flat=True)
                )
            )
            known = ", ".join(classes) if classes else "none"
            raise CommandError(f"No active member of {library.code} is in class {class_name!r}. Classes: {known}.")
        out, fmt = Path(options["out"]), options["format"]
        count = memberships.count()
        if count == 0:
            raise CommandError(f"{library.code} has no active member to print a card for.")
        if fmt == "png" and out.suffix.lower() == ".png" and count != 1:
            raise CommandError(f"{count} cards are selected: give a folder, not a .png file, as --out.")
        if fmt == "pdf" and out.is_dir():
            raise CommandError(f"{out} is a folder: give the path of the PDF file to write.")

        cards, issued = card_print_cards(memberships)
        if issued:
            self.stderr.write(f"Issued {issued} new card{'s' if issued != 1 else ''}.")
        total = len(cards)

        reported = 0

        def progress(done: int, total: int) -> None:
            nonlocal reported
            if done == total or done // PROGRESS_EVERY > reported // PROGRESS_EVERY:
                self.stderr.write(f"Cards drawn: {done}/{total}")
                reported = done

        # Readers without a password yet get a new activation code, on slips after the cards.
        slips = activation_slips_issue(cards=cards)
        if slips:
            self.stderr.write(f"Issued {len(slips)} activation code{'s' if len(slips) != 1 else ''}.")
        if fmt == "pdf":
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("wb") as handle:
                pages = cards_pdf_write(cards, handle, progress=progress, slips=slips)
            self.stdout.write(f"Wrote {total} cards on {pages} A4 page{'s' if pages != 1 else ''} to {out}.")
            return
        if slips:
            slips_path = (out.parent if out.suffix.lower() == ".png" else out) / "activation-slips.pdf"
            slips_path.parent.mkdir(parents=True, exist_ok=True)
            with slips_path.open("wb") as handle:
                activation_slips_pdf_write(slips, handle)
            self.stdout.write(f"Wrote the activation slips to {slips_path}.")
        if out.suffix.lower() == ".png":
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(card_png(cards[0]))
            progress(1, 1)
            self.stdout.write(f"Wrote card {cards[0].number} to {out}.")
            return
        out.mkdir(parents=True, exist_ok=True)
        for done, (card, png) in enumerate(cards_png(cards), start=1):
            (out / card_file_name(card)).write_bytes(png)
            progress(done, total)
        self.stdout.write(f"Wrote {total} card{'s' if total != 1 else ''} as PNG files to {out}.")

    def _library(self, code: str) -> Library:
        try:
            return Library.objects.get(code=code.strip())
        except Library.DoesNotExist:
            raise CommandError(f"No library has the code {code!r}.") from None

    def _memberships_of_readers(self, library: Library, readers: list[str]) -> list[int]:
        """The membership at ``library`` of each reader ID; every ID must name exactly one
        reader who is a member there and has not left."""
        found: list[int] = []
        problems: list[str] = []
        for value in dict.fromkeys(item.strip() for item in readers if item.strip()):
            if ":" in value:
                issuer, number = value.split(":", 1)
                match = Q(reader__id_issuer=issuer, reader__id_number=number)
            else:
                match = Q(reader__id_number=value)
            memberships = list(Membership.objects.filter(match, library=library).select_related("reader"))
            if not memberships:
                problems.append(f"{value}: no reader with this ID is a member of {library.code}")
            elif len(memberships) > 1:
                ids = ", ".join(m.reader.display_id for m in memberships)
                problems.append(f"{value}: several readers have this ID number ({ids}); give issuer:number")
            elif memberships[0].status == MembershipStatus.LEFT:
                problems.append(f"{value}: {memberships[0].reader.full_name} has left {library.code}")
            else:
                found.append(memberships[0].pk)
        if problems:
            raise CommandError("Cannot print cards:\n  " + "\n  ".join(problems))
        return found
