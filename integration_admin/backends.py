from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ModelBackendWithOrganisation(ModelBackend):
    """Django's ModelBackend; loads the user's organisation and body with the user (shown on every page)."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("organisation", "body").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
