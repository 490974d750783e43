from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name or case reference",
        required=False,
        max_length=100,
        error_messages={"max_length": "Search must be 100 characters or fewer"},
    )
    mine = forms.BooleanField(label="Only children allocated to me", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field.text("q", field_width=Fluid.TWO_THIRDS),
            Field.checkbox("mine", small=True),
            Submit("search", "Search", css_class="govuk-button--secondary"),
        )

    def cleaned_search(self) -> tuple[str, bool]:
        """The search terms and filter, or none of them if the input was not valid."""
        if not self.is_bound or not self.is_valid():
            return "", False
        return self.cleaned_data["q"].strip(), self.cleaned_data["mine"]
