"""Django admin pieces shared by the apps."""


class RevisionedAdminMixin:
    """A save in the admin counts like a save on the pages (revision + 1): a page form opened
    before it is refused instead of undoing it (integration_admin.core.models.Revisioned)."""

    def save_model(self, request, obj, form, change):
        if change:
            obj.revision += 1
        super().save_model(request, obj, form, change)
