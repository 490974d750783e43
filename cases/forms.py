from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms

from prp.models import RoleCode, User

# People with a caseload of their own start from it; managers start from everyone they can see.
CASELOAD_ROLES = (RoleCode.IRO, RoleCode.CP_CHAIR, RoleCode.SOCIAL_WORKER)


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name or case reference",
        required=False,
        max_length=100,
        error_messages={"max_length": "Search must be 100 characters or fewer"},
    )
    show = forms.ChoiceField(
        label="Show",
        choices=[("mine", "Children allocated to me"), ("all", "All children I can see")],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select which children to show"},
    )

    def __init__(self, data=None, *, user: User, **kwargs):
        self.default_show = "mine" if user.has_role(*CASELOAD_ROLES) else "all"
        if data is not None and not data.get("show"):
            data = data.copy()
            data["show"] = self.default_show
        super().__init__(data, **kwargs)
        self.fields["show"].initial = self.default_show
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field.text("q", field_width=Fluid.TWO_THIRDS),
            Field.radios("show", legend_size=Size.SMALL, small=True, inline=True),
            Submit("search", "Search", css_class="govuk-button--secondary"),
        )

    def cleaned_search(self) -> tuple[str, bool]:
        """The search terms and whether to show only my caseload; defaults if input is bad."""
        if not self.is_bound or not self.is_valid():
            return "", self.default_show == "mine"
        show = self.cleaned_data["show"] or self.default_show
        return self.cleaned_data["q"].strip(), show == "mine"
