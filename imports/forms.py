from crispy_forms_gds.layout import Field, Size
from django import forms

from prp.forms import GovukFormMixin

from .kinds import all_kinds


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """One or more files (a return such as the SSDA903 comes as a set of CSV files)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "govuk-file-upload"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = list(data) if isinstance(data, list | tuple) else [data]
        # None when nothing was chosen: the one-file check then says "Select a file".
        return [super(FilesField, self).clean(one, initial) for one in files or [None]]


class ImportForm(GovukFormMixin, forms.Form):
    submit_label = "Check the file"

    kind = forms.ChoiceField(
        label="What are you importing?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you are importing"},
    )
    files = FilesField(
        label="Upload the file",
        help_text="A CSV file (UTF-8) or an Excel workbook (.xlsx); the CIN census, or the SSDA903 "
        "return as one file, is XML. For the SSDA903 return's CSV set, choose its header, "
        "episodes and reviews files together. Smaller than 10MB.",
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, **kwargs)
        self.fields["kind"].choices = [(k.code, k.label) for k in all_kinds().values()]
        self.helper = self.build_helper(
            Field.radios("kind", legend_size=Size.MEDIUM), Field("files")
        )


class ConfirmImportForm(forms.Form):
    """The preview's "Confirm import" button: which run (the page writes the markup)."""

    run = forms.IntegerField(min_value=1)
