"""The site's form renderer: every form field drawn by one template (templates/forms/field.html)."""

from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    # Label, help and control, then the errors; while a field has errors its help text is
    # left out, so a rule (a password's, say) is never listed and repeated as an error.
    field_template_name = "forms/field.html"
