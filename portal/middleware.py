from django.contrib.auth.views import redirect_to_login


class StaffAreaRequiresSignInMiddleware:
    """Everything under /staff/ needs a signed-in user, whatever a view remembers to check.

    Views still check roles and object access themselves; this is the floor under them.
    """

    prefix = "/staff/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.prefix) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
