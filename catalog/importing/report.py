"""What an import tells the librarian: counts, errors and duplicates."""

from dataclasses import dataclass, field

FILE_LEVEL = 0  # RowError.row of a problem with the file as a whole


@dataclass
class RowError:
    """One problem that stops the import.

    ``row`` is the line a librarian sees in a spreadsheet for CSV and XLSX (the header is
    line 1, so the first data row is usually 2), or the 1-based record number in a MARC
    file; ``FILE_LEVEL`` (0) for a problem with the file as a whole. ``field`` is the
    column heading as written in the file (or the MARC tag, e.g. "020"), ``key`` our
    name for it (e.g. "isbn"); both are None when the problem is not about one field."""

    row: int
    field: str | None
    message: str
    key: str | None = None

    @property
    def is_file_level(self) -> bool:
        return self.row == FILE_LEVEL

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "key": self.key, "message": self.message}


@dataclass
class Duplicate:
    """A row that describes a record already in the catalog (or an earlier row of the
    same file); it is merged into that record: its copies are added there.

    ``reason_code`` is "isbn" or "title_author_year"; ``reason`` the translated words.
    ``record_code`` is the matched record's code (for a match with an earlier row it is
    known once the import is committed); ``other_row`` the earlier row, if any;
    ``match`` a short description to show: "HL00000012 · Đất rừng phương Nam" or "Row 5"."""

    row: int
    reason_code: str
    reason: str
    match: str
    record_code: str | None = None
    other_row: int | None = None

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "match": self.match,
            "record_code": self.record_code,
            "other_row": self.other_row,
        }


@dataclass
class ImportReport:
    """The outcome of ``catalog_import``.

    ``total`` counts the data rows (blank rows are skipped) or the MARC records read,
    readable or not. ``created``, ``matched`` and ``copies_created`` are what was written
    — or, for a dry run, what would be written; they are 0 when there are errors, since
    then nothing is written. ``links_created`` counts external-link digital files.
    ``ignored_columns`` lists headings the import did not recognise (their values are
    not imported); ``warnings`` problems that did not stop the import (e.g. a MARC 856
    that is not a web address), in the same form as errors."""

    format: str
    filename: str = ""
    dry_run: bool = False
    total: int = 0
    created: int = 0
    matched: int = 0
    copies_created: int = 0
    links_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False
    created_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "filename": self.filename,
            "dry_run": self.dry_run,
            "total": self.total,
            "created": self.created,
            "matched": self.matched,
            "copies_created": self.copies_created,
            "links_created": self.links_created,
            "errors": [error.as_dict() for error in self.errors],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "duplicates": [duplicate.as_dict() for duplicate in self.duplicates],
            "ignored_columns": list(self.ignored_columns),
            "committed": self.committed,
        }
