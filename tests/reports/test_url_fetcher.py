"""A report can load our own static files and data: URIs, and nothing else.

A tiny HTTP server on a free local port proves that no request ever leaves WeasyPrint,
whether the address is written in markup, in CSS, in an SVG, or in user text.
"""

import base64
import http.server
import io
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.rendering import ForbiddenResource, ReportURLFetcher, html_to_pdf, static_path_for

PNG_1PX = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
    )
).decode()


@pytest.fixture
def spy_server():
    """An HTTP server that records every request it gets (and redirects /go to /x)."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            if self.path.startswith("/go"):
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(base64.b64decode(PNG_1PX))

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def _text(pdf_bytes: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return " ".join(page.extract_text() for page in reader.pages)


def test_a_template_cannot_load_local_files_or_network_addresses(spy_server):
    port, hits = spy_server
    base = f"http://127.0.0.1:{port}"
    html = f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
    <link rel="stylesheet" href="file:///etc/passwd">
    <link rel="stylesheet" href="{base}/sheet.css">
    <style>
      @import url("{base}/import.css");
      @font-face {{ font-family: Evil; src: url("{base}/font.woff2"); }}
      body {{ background: url("{base}/bg.png"); font-family: Evil, sans-serif; }}
      p {{ background-image: url("file:///etc/passwd"); }}
    </style></head><body>
    <p>Safe text stays.</p>
    <img src="file:///etc/passwd" alt="passwd">
    <img src="{base}/img.png" alt="remote">
    <img src="{base}/go" alt="redirected">
    <img src="/static/../../../../etc/passwd" alt="traversal">
    <img src="/static/css/../../../../../etc/passwd" alt="traversal 2">
    <img src="/etc/passwd" alt="absolute path">
    <img src="//127.0.0.1:{port}/scheme-relative.png" alt="scheme relative">
    <object data="{base}/object.svg"></object>
    <iframe src="{base}/frame.html"></iframe>
    <svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">
      <image href="{base}/svg-image.png" width="10" height="10"/>
      <image href="file:///etc/passwd" width="10" height="10"/>
    </svg>
    </body></html>"""
    pdf = html_to_pdf(html, stylesheets=[])
    assert hits == []
    text = _text(pdf.content)
    assert "Safe text stays." in text
    assert "root:" not in text  # nothing of /etc/passwd made it in
    assert b"root:x:0:0" not in pdf.content


def test_user_text_that_looks_like_markup_is_printed_not_loaded(spy_server, report_world):
    from reports.rendering import lea_report_pdf
    from reports.selectors import assessment_for_report, lea_report_context

    port, hits = spy_server
    lea = report_world["leas"][0]
    lea.name = f'<img src="http://127.0.0.1:{port}/lea.png"> Evil <script>x</script> District'
    lea.save(update_fields=["name"])
    context = lea_report_context(
        assessment=assessment_for_report(lea_id=lea.id, cycle_id=report_world["cycle"].id)
    )
    import datetime

    pdf = lea_report_pdf(context=context, prepared_on=datetime.date(2026, 11, 1))
    assert hits == []
    assert "Evil <script>x</script> District" in " ".join(_text(pdf.content).split())


def test_the_fetcher_serves_our_static_files_and_data_uris():
    fetcher = ReportURLFetcher()
    css = fetcher.fetch("file:///static/css/report.css")
    assert b"@font-face" in css.read()
    font = fetcher.fetch(
        "file:///static/vendor/uswds/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2"
    )
    assert font.read(4) == b"wOF2"
    data = fetcher.fetch(f"data:image/png;base64,{PNG_1PX}")
    assert data.read().startswith(b"\x89PNG")
    assert data.headers.get_content_type() == "image/png"


def test_data_uris_are_decoded_in_memory_base64_or_percent_encoded():
    fetcher = ReportURLFetcher()
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>'
    encoded = base64.b64encode(svg.encode()).decode()
    assert fetcher.fetch(f"data:image/svg+xml;base64,{encoded}").read() == svg.encode()
    plain = fetcher.fetch("data:text/plain;charset=utf-8,caf%C3%A9%20ok")
    assert plain.read() == "café ok".encode()
    assert plain.headers.get_content_type() == "text/plain"
    assert plain.headers.get_content_charset() == "utf-8"
    with pytest.raises(ValueError):
        fetcher.fetch("data:image/png;base64")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///static/../etc/passwd",
        "file:///static/%2e%2e/%2e%2e/etc/passwd",
        "file:///static/",
        "file:///static/no-such-file.css",
        "http://127.0.0.1:1/static/css/report.css",
        "https://example.org/static/css/report.css",
        "ftp://example.org/x",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises((ForbiddenResource, ValueError)):
        ReportURLFetcher().fetch(url)


def test_the_fetcher_refuses_our_own_static_file_by_its_real_path():
    # The path of this checkout, whatever folder it is in; the file exists there, so a
    # refusal is the fetcher's doing, not a missing file's.
    real = Path(__file__).resolve().parents[2] / "static" / "css" / "report.css"
    assert real.is_file()
    with pytest.raises((ForbiddenResource, ValueError)):
        ReportURLFetcher().fetch(real.as_uri())


def test_a_symlink_in_the_static_folder_cannot_lead_outside_it(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("p { color: red }")
    (static / "passwd.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [str(static)]
    assert static_path_for("file:///static/ok.css") == (static / "ok.css").resolve()
    with pytest.raises(ForbiddenResource, match="outside"):
        static_path_for("file:///static/passwd.css")


def test_woff2_fonts_are_embedded_in_the_pdf():
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>Fonts</title></head>'
        "<body><p>Embedded <strong>fonts</strong> <em>here</em>.</p></body></html>"
    )
    pdf = html_to_pdf(html)
    reader = PdfReader(io.BytesIO(pdf.content))
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts.append(
                (str(font["/BaseFont"]), any(k in descriptor for k in ("/FontFile2", "/FontFile3")))
            )
    assert fonts, "no fonts found"
    assert all(embedded for _, embedded in fonts), fonts
    assert any("Source-Sans-Pro" in name for name, _ in fonts), fonts
