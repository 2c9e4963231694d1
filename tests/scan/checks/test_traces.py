"""The signatures error_disclosure recognises: each stack's own shape, never a loose word."""

from __future__ import annotations

import json

import pytest

from apiward.scan.checks._traces import signature

LEAKS = {
    "php-warning-html": (
        '<br />\n<b>Warning</b>:  Undefined array key "plot_id" in '
        "<b>/srv/garden/index.php</b> on line <b>212</b><br />\n"
        '{"success":true,"data":[]}',
        "PHP error",
    ),
    "php-notice-text": (
        "\nNotice: Undefined index: qty in C:\\xampp\\htdocs\\shop\\cart.php on line 40\n",
        "PHP error",
    ),
    "php-fatal-uncaught": (
        "PHP Fatal error:  Uncaught TypeError: password_verify(): Argument #1 ($password) "
        "must be of type string, array given in /srv/garden/index.php:88\nStack trace:\n"
        "#0 /srv/garden/index.php(88): password_verify()\n#1 {main}",
        "PHP error",
    ),
    "php-stack-in-json": (
        json.dumps({"error": "boom in /var/www/a.php:9\nStack trace:\n#0 {main}"}),
        "PHP error",
    ),
    "php-type-error-message": (
        json.dumps(
            {
                "status": "error",
                "message": "password_verify(): Argument #1 ($password) must be of type "
                "string, array given",
            }
        ),
        "PHP error",
    ),
    "laravel-debug-json": (
        json.dumps({"message": "x", "exception": "Illuminate\\Database\\QueryException"}),
        "PHP error",
    ),
    "ruby-3.4-backtrace": (
        "JSON::ParserError - unexpected token at 'x':\n"
        "\t/usr/lib/ruby/3.4.0/json/common.rb:216:in 'JSON.parse'\n\tapp.rb:36:in 'json_body'",
        "Ruby stack",
    ),
    "ruby-3.1-backtrace": ("\t/srv/app/app.rb:36:in `json_body'", "Ruby stack"),
    "rails-exception": (
        "ActiveRecord::RecordNotFound (Couldn't find Plot with 'id'=x)",
        "Ruby exception",
    ),
    "ruby-nil": ("undefined method `name' for nil:NilClass", "Ruby exception"),
    "sinatra-page": (
        '<img src="/__sinatra__/500.png" alt="application error" />'
        "<p>You're seeing this error because you have\nenabled the <code>show_exceptions</code>",
        "debug page",
    ),
    "rack-page": (
        "You're seeing this error because you use <code>Rack::ShowExceptions</code>.",
        "debug page",
    ),
    "sqlite3-ruby": ('SQLite3::SQLException: near "x": syntax error', "SQL error"),
    "spring-whitelabel": ("<h1>Whitelabel Error Page</h1><p>This application has", "debug page"),
    "java-frame": (
        "java.lang.NumberFormatException\n\tat com.x.Y.parse(Y.java:42)",
        "Java exception",
    ),
    "java-module-frame-in-json": (
        json.dumps({"trace": "X\n\tat java.base/java.lang.Integer.parseInt(Integer.java:652)"}),
        "Java stack frame",
    ),
    "go-panic": ("panic: runtime error: index out of range\n\ngoroutine 7 [running]:", "Go panic"),
    "go-frame": ("main.handler(...)\n\t/app/main.go:42 +0x1d", "Go panic"),
    "dotnet-frame": (
        "   at Shop.Api.OrdersController.Get(Int32 id) in C:\\src\\Shop\\Orders.cs:line 42",
        ".NET stack frame",
    ),
    "dotnet-developer-page": (
        "<h1>An unhandled exception occurred while processing the request.</h1>",
        ".NET exception",
    ),
    "node-frame": ("Error: x\n    at parse (/srv/app/lib/x.js:10:5)", "Node stack"),
    "node-anonymous-frame": ("TypeError: x\n    at /srv/app/index.js:10:5", "Node stack"),
    "node-stack-in-json": (
        json.dumps({"stack": "TypeError: x\n    at handler (/srv/app/orders.ts:10:5)"}),
        "Node stack",
    ),
    "python-frame-in-json": (
        json.dumps({"detail": 'File "/app/main.py", line 3, in f'}),
        "Python stack frame",
    ),
    "perl-die": (
        'Can\'t locate object method "x" via package "Y" at /app/lib/Y.pm line 12.',
        "Perl error",
    ),
    "mojolicious-frame": (
        '<td class="value"><pre>File "siloco.pl", line 108, in "main"</pre></td>',
        "Perl stack frame",
    ),
    "mojolicious-exception-page": (
        "<title>Server Error (development mode)</title>\n<pre>DBD::SQLite::db failed: "
        'syntax error at siloco.pl line 108.</pre><pre>File "siloco.pl", line 108</pre>',
        "debug page",
    ),
}
LOOK_ALIKES = {
    "json-404": '{"error": "Not found"}',
    "field-validation": '{"errors": {"plot_id": ["must be an integer"]}}',
    "fastapi-422": json.dumps(
        {"detail": [{"loc": ["path", "id"], "msg": "Input should be a valid integer"}]}
    ),
    "words-error-warning": "An error occurred. Warning: please retry.",
    "prose-at-line": '{"note": "The import failed at line 5, see the warning in section 3"}',
    "warning-prose-on-line": '{"message": "Warning: quota used in this month on line 2 of the plan"}',
    "code-in-comment": '{"comment": "try: x()\\nexcept ValueError as error: print(error)"}',
    "stack-trace-prose": '{"faq": "A stack trace shows where the error happened."}',
    "bare-500": "Internal Server Error",
}


@pytest.mark.parametrize(("text", "kind"), list(LEAKS.values()), ids=list(LEAKS))
def test_each_stack_is_named(text: str, kind: str) -> None:
    """A trace, runtime error, SQL error or debug page is named by its kind."""
    assert signature(text) == kind


@pytest.mark.parametrize("text", list(LOOK_ALIKES.values()), ids=list(LOOK_ALIKES))
def test_ordinary_errors_and_prose_are_not_signatures(text: str) -> None:
    """An ordinary JSON error, a field's validation message, or prose about errors: none."""
    assert signature(text) is None


TYPED = 'crashed:\nTraceback (most recent call last):\n  File "/home/pi/scale.py", line 41'


def test_what_the_legitimate_answer_shows_is_the_apis_content() -> None:
    """A note holding a traceback, in the legitimate answer too, is the API's data."""
    note = json.dumps({"id": 3, "note": TYPED})
    assert signature(note, legit=note) is None


@pytest.mark.parametrize(
    "sent",
    [
        json.dumps({"note": TYPED}),
        "http://127.0.0.1/notes?q=" + TYPED.replace(" ", "+").replace("\n", "%0A"),
    ],
    ids=["json-body", "query"],
)
def test_what_the_request_carried_and_the_api_echoes_is_no_leak(sent: str) -> None:
    """A refusal echoing what the scan sent (in JSON, or decoded from the URL) leaks nothing."""
    echoed = json.dumps({"error": "invalid", "received": TYPED})
    assert signature(echoed, sent=("http://127.0.0.1/notes", sent)) is None


def test_a_trace_beside_an_echo_is_still_a_leak() -> None:
    """Echoing the sent note does not hide the API's own trace in the same answer."""
    answer = json.dumps({"received": TYPED, "trace": "\tapp.rb:36:in 'json_body'"})
    assert signature(answer, sent=(json.dumps({"note": TYPED}),)) == "Ruby stack"
