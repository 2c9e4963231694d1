"""The kitchen API's data: staff and customers, the menu and the orders, kept in memory."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(slots=True)
class Member:
    """A user of the restaurant's API: a Chef, an Employee or a Customer."""

    username: str
    password: str
    email: str
    phone: str
    role: str = "Customer"

    @property
    def is_authenticated(self) -> bool:
        """What DRF's permission classes ask of ``request.user``."""
        return True

    @property
    def is_staff(self) -> bool:
        """Chefs and employees run the kitchen."""
        return self.role in ("Chef", "Employee")


@dataclass(slots=True)
class MenuItem:
    """A dish on the public menu, addressed by its slug."""

    id: int
    slug: str
    name: str
    price: Decimal
    available: bool = True


@dataclass(slots=True)
class Order:
    """A customer's order; ids count from 1, like the menu's."""

    id: int
    customer: str
    item: str
    quantity: int
    total: Decimal
    status: str = "placed"


@dataclass
class Kitchen:
    """Everything one running API knows; ``secure`` fixes its planted flaws."""

    secure: bool
    members: dict[str, Member] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    menu: dict[str, MenuItem] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    failures: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for member in (
            Member("gordon", "gordon-pass-1", "gordon@kitchen.test", "+44 20 7946 0001", "Chef"),
            Member("emma", "emma-pass-1", "emma@kitchen.test", "+44 20 7946 0002", "Employee"),
            Member("alice", "alice-pass-1", "alice@mail.test", "+44 7700 900101"),
            Member("bob", "bob-pass-1", "bob@mail.test", "+44 7700 900202"),
        ):
            self.members[member.username] = member
        for name, price in (("Margherita", "9.50"), ("Carbonara", "12.00"), ("Tiramisu", "6.25")):
            self.add_dish(name, Decimal(price))
        self.place("alice", "margherita", 2)
        self.place("bob", "carbonara", 1)

    def add_dish(self, name: str, price: Decimal) -> MenuItem:
        """Put a dish on the menu."""
        with self.lock:
            item = MenuItem(len(self.menu) + 1, name.lower().replace(" ", "-"), name, price)
            self.menu[item.slug] = item
            return item

    def place(self, customer: str, slug: str, quantity: int) -> Order:
        """Place an order for a dish."""
        with self.lock:
            price = self.menu[slug].price
            order = Order(len(self.orders) + 1, customer, slug, quantity, price * quantity)
            self.orders[order.id] = order
            return order

    def token_for(self, member: Member) -> str:
        """The member's API token (one per member, as DRF's authtoken keeps it)."""
        with self.lock:
            for key, username in self.tokens.items():
                if username == member.username:
                    return key
            key = secrets.token_hex(20)
            self.tokens[key] = member.username
            return key

    def locked_out(self, username: str, *, limit: int = 5, seconds: float = 60.0) -> bool:
        """Whether the secure twin refuses more logins for ``username`` for now."""
        now = time.monotonic()
        recent = [t for t in self.failures.get(username, []) if now - t < seconds]
        self.failures[username] = recent
        return self.secure and len(recent) >= limit

    def failed_login(self, username: str) -> None:
        """Remember a wrong password for ``username``."""
        self.failures.setdefault(username, []).append(time.monotonic())
