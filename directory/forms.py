from django import forms
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat

from .services import IMPORT_EXTENSIONS, IMPORT_MAX_BYTES

MAX_SIZE = f"{IMPORT_MAX_BYTES // (1024 * 1024)} MB"


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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; the largest file you can upload "
                f"is {MAX_SIZE}. The national CCD directory file is "
                "about 10 MB: check that you chose the district (LEA) file, not the school "
                "file."
            )
        return upload
