"""PDF rendering with WeasyPrint from Django templates."""

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from readiness.models import Answer

from .models import ReportJob


def render_lea_report(*, job: ReportJob) -> tuple[bytes, int]:
    answers = (
        Answer.objects.filter(assessment__lea=job.lea, assessment__cycle=job.cycle)
        .select_related("indicator")
        .order_by("indicator__position")
    )
    html = render_to_string(
        "reports/lea_report.html",
        {"job": job, "lea": job.lea, "cycle": job.cycle, "answers": answers},
    )
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return document.write_pdf(), len(document.pages)
