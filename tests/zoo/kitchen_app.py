"""A restaurant API in Django REST Framework, configured in-process (no project scaffold).

Style: DRF's defaults throughout — trailing slashes, the page-number envelope
``{"count", "next", "previous", "results"}``, ``{"detail": ...}`` bodies for 401/403/404,
``{"field": ["..."]}`` for 400, 201 on creation, ``Authorization: Token <key>`` (authtoken's
scheme), Django's HTML 404 page for unknown paths. Dishes are addressed by slug, orders by
integer ids that overlap the dishes' ids, users by username; roles are ``Chef``,
``Employee`` and ``Customer``. The contract is drf-spectacular's, served at ``/api/schema/``.

``create_app(secure=False)`` plants the flaws in ``kitchen/ground_truth.yaml``.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="zoo-kitchen-only-signs-nothing",
        ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"],
        ROOT_URLCONF="kitchen_app",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "drf_spectacular",
        ],
        MIDDLEWARE=["kitchen_app.KitchenMiddleware"],
        DATABASES={},
        USE_TZ=True,
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [],  # each view names KitchenTokenAuthentication
            "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
            "PAGE_SIZE": 10,
            "UNAUTHENTICATED_USER": None,
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        },
        SPECTACULAR_SETTINGS={"TITLE": "Kitchen API", "VERSION": "1.0.0"},
    )
    django.setup()

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from kitchen_data import Kitchen, Member
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

urlpatterns: list[Any] = []  # each app instance routes through its own urlconf


def kitchen_of(request: Any) -> Kitchen:
    """The running API's data (each app instance has its own)."""
    kitchen: Kitchen = request.META["zoo.kitchen"]
    return kitchen


class KitchenMiddleware:
    """Route each request through its own app instance's urlconf."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.urlconf = request.META["zoo.urls"]
        return self.get_response(request)


class KitchenTokenAuthentication(TokenAuthentication):
    """authtoken's ``Token <key>`` scheme, with keys kept in memory."""

    def authenticate(self, request: Any) -> tuple[Member, str] | None:
        found = super().authenticate(request)
        if found is None:
            return None
        username = kitchen_of(request).tokens.get(found[1])
        if username is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return kitchen_of(request).members[username], found[1]

    def authenticate_credentials(self, key: str) -> tuple[None, str]:
        return None, key


class IsChefOrReadOnly(permissions.BasePermission):
    """Anyone reads the menu; only the chef changes it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.role == "Chef")


class IsStaff(permissions.BasePermission):
    """Chefs and employees only."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_staff)


class SignupSerializer(serializers.Serializer[Member]):
    username = serializers.SlugField(max_length=40)
    password = serializers.CharField(write_only=True, min_length=8)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=20)
    role = serializers.CharField(read_only=True)


class UserSerializer(serializers.Serializer[Member]):
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    phone = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True)


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True)
    token = serializers.CharField(read_only=True)


class MenuItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(max_length=80)
    price = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0"))
    available = serializers.BooleanField(default=True)


class OrderSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    customer = serializers.CharField(read_only=True)
    item = serializers.SlugField()
    quantity = serializers.IntegerField(min_value=1, max_value=20)
    total = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    status = serializers.CharField(read_only=True)


class MenuViewSet(viewsets.GenericViewSet[Any]):
    """The public menu."""

    authentication_classes = (KitchenTokenAuthentication,)
    serializer_class = MenuItemSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"

    permission_classes = (permissions.IsAuthenticatedOrReadOnly,)  # any customer edits it

    def dish(self, slug: str) -> Any:
        try:
            return kitchen_of(self.request).menu[slug]
        except KeyError:
            raise exceptions.NotFound() from None

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(list(kitchen_of(request).menu.values()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        item = kitchen_of(request).add_dish(
            given.validated_data["name"], given.validated_data["price"]
        )
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, slug: str) -> Response:
        return Response(self.get_serializer(self.dish(slug)).data)

    def partial_update(self, request: Request, slug: str) -> Response:
        item = self.dish(slug)
        given = self.get_serializer(item, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        for name, value in given.validated_data.items():
            setattr(item, name, value)
        return Response(self.get_serializer(item).data)

    def destroy(self, request: Request, slug: str) -> Response:
        kitchen_of(request).menu.pop(self.dish(slug).slug)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChefMenuViewSet(MenuViewSet):
    """The public menu, which only the chef changes.

    ``IsAuthenticatedOrReadOnly`` first, as DRF's docs combine them: drf-spectacular then
    documents the reads as open to anyone, so both twins serve the same contract.
    """

    permission_classes = (permissions.IsAuthenticatedOrReadOnly, IsChefOrReadOnly)


class OrderViewSet(viewsets.GenericViewSet[Any]):
    """A customer's orders; the staff sees them all."""

    authentication_classes = (KitchenTokenAuthentication,)
    serializer_class = OrderSerializer
    lookup_value_converter = "int"
    permission_classes = (permissions.IsAuthenticated,)

    def visible(self) -> Iterable[Any]:
        user = self.request.user
        orders = kitchen_of(self.request).orders.values()
        return [o for o in orders if user.is_staff or o.customer == user.username]

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(list(self.visible()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        kitchen = kitchen_of(request)
        if given.validated_data["item"] not in kitchen.menu:
            raise exceptions.ValidationError({"item": ["No such dish on the menu."]})
        order = kitchen.place(request.user.username, **given.validated_data)
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: int) -> Response:
        kitchen = kitchen_of(request)
        pool = self.visible() if kitchen.secure else kitchen.orders.values()
        order = next((o for o in pool if o.id == pk), None)
        if order is None:
            raise exceptions.NotFound()
        return Response(self.get_serializer(order).data)


class UserViewSet(viewsets.GenericViewSet[Any]):
    """Profiles: the staff lists everyone; a profile is its owner's (and the staff's)."""

    authentication_classes = (KitchenTokenAuthentication,)
    serializer_class = UserSerializer
    lookup_field = "username"
    lookup_value_converter = "slug"

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "list":
            return [IsStaff()]
        return [permissions.IsAuthenticated()]

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(list(kitchen_of(request).members.values()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, username: str) -> Response:
        kitchen, user = kitchen_of(request), request.user
        member = kitchen.members.get(username)
        mine = member is not None and (user.is_staff or member.username == user.username)
        if member is None or (kitchen.secure and not mine):
            raise exceptions.NotFound()
        return Response(self.get_serializer(member).data)


@extend_schema(request=SignupSerializer, responses={201: SignupSerializer})
@api_view(["POST"])
@permission_classes([permissions.AllowAny])
def signup(request: Request) -> Response:
    """Create a customer account."""
    given = SignupSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    kitchen = kitchen_of(request)
    if given.validated_data["username"] in kitchen.members:
        raise exceptions.ValidationError(
            {"username": ["A user with that username already exists."]}
        )
    member = Member(**given.validated_data)
    kitchen.members[member.username] = member
    return Response(SignupSerializer(member).data, status=status.HTTP_201_CREATED)


@extend_schema(request=LoginSerializer, responses={200: LoginSerializer})
@api_view(["POST"])
@permission_classes([permissions.AllowAny])
def obtain_token(request: Request) -> Response:
    """Exchange a username and password for the member's token (like obtain_auth_token)."""
    given = LoginSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    kitchen, username = kitchen_of(request), given.validated_data["username"]
    if kitchen.locked_out(username):
        raise exceptions.Throttled(wait=60)
    member = kitchen.members.get(username)
    if member is None or member.password != given.validated_data["password"]:
        kitchen.failed_login(username)
        message = "Unable to log in with provided credentials."
        raise exceptions.ValidationError({"non_field_errors": [message]})
    return Response({"token": kitchen.token_for(member)})


def urls_for(kitchen: Kitchen) -> types.ModuleType:
    """A urlconf of its own for one app instance."""
    router = DefaultRouter(use_regex_path=False)
    router.include_format_suffixes = False
    router.register("menu", ChefMenuViewSet if kitchen.secure else MenuViewSet, basename="menu")
    router.register("orders", OrderViewSet, basename="order")
    router.register("users", UserViewSet, basename="user")
    module = types.ModuleType(f"kitchen_urls_{id(kitchen)}")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("api/auth/signup/", signup),
        path("api/auth/token/", obtain_token),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=module)),
        path("api/", include(router.urls)),
    ]
    return module


def create_app(*, secure: bool = False) -> Callable[..., Iterable[bytes]]:
    """The kitchen API as a WSGI app; ``secure`` fixes every planted flaw."""
    kitchen, handler = Kitchen(secure=secure), WSGIHandler()
    urls = urls_for(kitchen)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["zoo.kitchen"], environ["zoo.urls"] = kitchen, urls
        return handler(environ, start_response)

    return app
