from django import forms
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.core.validators import FileExtensionValidator

from .ccd import STATE_NAMES
from .services import IMPORT_EXTENSIONS, IMPORT_MAX_BYTES

MAX_SIZE = f"{IMPORT_MAX_BYTES // (1024 * 1024)} MB"
TOO_LARGE = (
    "This file is over {max_size}: the largest file you can upload is {max_size}, so it was "
    "not stored. The national CCD directory file is about 10 MB: check that you chose the "
    "district (LEA) file, not the school file."
)
# Room for the other fields and the multipart framing around the file.
FRAMING_BYTES = 64 * 1024


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams an uploaded file to a temporary file on disk, chunk by chunk, and gives up
    on it as soon as it is past ``max_bytes`` (or the request says up front that it is much
    larger): the part on disk is deleted, the rest of the file is read and thrown away
    unstored, and ``refused`` tells the view to answer with a form error."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused = False
        self.request_length: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length

    def new_file(self, *args, **kwargs):
        if self.request_length and self.request_length > self.max_bytes + FRAMING_BYTES:
            self.refused = True
            raise SkipFile
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.refused = True
            raise SkipFile  # the parser closes (and so deletes) the temporary file
        return super().receive_data_chunk(raw_data, start)


class CcdUploadForm(forms.Form):
    file = forms.FileField(
        label="District file from NCES",
        help_text=(
            "The CCD LEA directory file (for example ccd_lea_029_2324_w_1a_073124.csv) or a "
            "district table exported from ELSI, saved as CSV (.csv or .txt), at most "
            f"{MAX_SIZE}. Nothing is imported until you have "
            "checked the preview and confirmed it."
        ),
        validators=[
            FileExtensionValidator(
                allowed_extensions=list(IMPORT_EXTENSIONS),
                message=(
                    "“%(extension)s” files cannot be imported. Choose a .csv or .txt file; "
                    "save a spreadsheet as CSV (comma delimited) first."
                ),
            )
        ],
        error_messages={
            "required": "Choose a file to upload.",
            "empty": "This file is empty. Choose the downloaded CSV file.",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if too_large:
            # The upload handler dropped the file while reading it: say why it is missing.
            self.fields["file"].error_messages["required"] = TOO_LARGE.format(max_size=MAX_SIZE)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            # Only reached when the file came through another handler (tests, scripts).
            raise forms.ValidationError(TOO_LARGE.format(max_size=MAX_SIZE))
        return upload


class CloseMissingForm(forms.Form):
    """Which states a previewed file is the complete list of, so that their LEAs it does
    not list are closed. Nothing is ticked at first. A state where the file lists fewer
    than half the operating LEAs also needs the second tick."""

    complete_for = forms.MultipleChoiceField(
        label="States this file lists completely",
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Tick a state only if this file is the full, current list of its LEAs. Its LEAs "
            "that the file does not list will be marked closed (never deleted). You will "
            "see them by name and confirm their number next."
        ),
        error_messages={
            "required": (
                "Tick at least one state whose LEAs this file lists completely, or import "
                "without closing any LEA."
            ),
            "invalid_choice": "“%(value)s” is not a state whose LEAs this file could close.",
        },
    )
    partial_ok = forms.MultipleChoiceField(
        label="Files that list fewer than half of a state's LEAs",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Such a file is usually an extract, not the whole list. Tick the state only if "
            "most of its LEAs really have closed."
        ),
        error_messages={
            "invalid_choice": "“%(value)s” is not a state whose file looks partial.",
        },
    )

    def __init__(self, *args, missing: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = {
            code: info
            for code, info in sorted(missing.items())
            if info.get("count") and not info.get("blocked")
        }
        self.fields["complete_for"].choices = [
            (
                code,
                f"{STATE_NAMES.get(code, code)}: close the {info['count']:,} "
                f"LEA{'s' if info['count'] != 1 else ''} it does not list",
            )
            for code, info in self.missing.items()
        ]
        self.fields["partial_ok"].choices = [
            (
                code,
                f"{STATE_NAMES.get(code, code)}: close them even though the file lists only "
                f"{info['listed']:,} of its {info['operating']:,} operating LEAs",
            )
            for code, info in self.missing.items()
            if info.get("partial")
        ]

    @property
    def has_partial(self) -> bool:
        return bool(self.fields["partial_ok"].choices)

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("complete_for") or []
        sure = set(cleaned.get("partial_ok") or [])
        for code in chosen:
            info = self.missing[code]
            if info.get("partial") and code not in sure:
                self.add_error(
                    "partial_ok",
                    f"{STATE_NAMES.get(code, code)}: the file lists {info['listed']:,} of its "
                    f"{info['operating']:,} operating LEAs, fewer than half, so it is taken as "
                    "part of the state's list, not all of it. Tick the state here if most of "
                    "its LEAs really have closed, or untick it above.",
                )
        for code in sure - set(chosen):
            self.add_error(
                "partial_ok",
                f"{STATE_NAMES.get(code, code)} is ticked here but not above: tick it above "
                "too, or untick it here.",
            )
        return cleaned


class CloseCountForm(forms.Form):
    """The person types the number of LEAs the import will close."""

    count = forms.IntegerField(
        label="Number of LEAs to close",
        min_value=0,
        help_text="Type the number shown above to confirm that these LEAs are to be closed.",
        error_messages={
            "required": "Type the number of LEAs to close, as shown above.",
            "invalid": "Type the number of LEAs to close as digits, as shown above.",
            "min_value": "Type the number of LEAs to close, as shown above.",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, expected: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_count(self):
        count = self.cleaned_data["count"]
        if count != self.expected:
            raise forms.ValidationError(
                f"You typed {count:,}, but {self.expected:,} "
                f"LEA{'s' if self.expected != 1 else ''} would be closed. Type "
                f"{self.expected:,} to close them, or go back and import without closing."
            )
        return count
