class VietnameseByDefaultMiddleware:
    """Vietnamese unless the user chose English with the switch (the language cookie).

    Django's LocaleMiddleware would also follow the browser's Accept-Language header, so an official
    whose browser happens to be set to English would get English pages. Placed before LocaleMiddleware,
    this hides that header: the language comes from the cookie, else LANGUAGE_CODE ("vi").
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
