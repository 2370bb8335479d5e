"""Amazon Inspector's scan of an AMI as EC2 reports it, which moto 5.2.1
lacks (imported by e2e/moto_server.py). It changes nothing the app
synthesizes.

S15. EC2 reports the results of Amazon Inspector's scan of an AMI in two
   places, both read by the AMI's owner (and by accounts it is shared
   with):
   - DescribeImages: each Image has ScanResults (XML element scanResults)
     with FindingScanDate, "the date and time ... of the most recent
     Amazon Inspector scan of the AMI", and HighestFindingSeverityLabel,
     "the highest severity among the AMI's Amazon Inspector findings,
     whether or not a fix is available ... present only if the AMI has at
     least one finding" (informational, low, medium, high, critical).
     https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ScanResults.html
     An AMI Inspector never scanned has no ScanResults.
   - GetImageFindings (ImageId): "Describes the Amazon Inspector
     vulnerability findings for the specified AMI ... Amazon Inspector
     returns findings only for AMIs that it has scanned"; each finding
     has SeverityLabel, Title, FixAvailable, SnapshotId ...
     https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetImageFindings.html
     https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImageFinding.html
   The element names are those of the EC2 query protocol in the AWS SDK
   for Go v2's EC2 model (service/ec2 v1.345.0, deserializers.go:
   scanResults, findingScanDate, highestFindingSeverityLabel,
   imageFindingSet, severityLabel, title, fixAvailable). botocore 1.43.11,
   which moto serializes with, has neither member, so the XML is written
   here.

   Image Builder's copy of a test-instance scan (ListImageScanFindings) is
   not served: moto has no Image Builder at all.

Test hook (not AWS behaviour: it stands in for Inspector, which writes
these results on AWS): the JSON file named by GOLDEN_FLEET_INSPECTOR_SCANS,
read at every request, maps an AMI id to its scan:
    {"ami-…": {"scanDate": "2026-12-07T10:00:00Z",
               "findings": [{"severityLabel": "critical", "title": "CVE-…",
                             "fixAvailable": true}]}}
An AMI not in the file was never scanned. The highest severity label is
derived from the findings, as the documentation defines it.
"""

import json
import os
import re
from xml.sax.saxutils import escape

from moto.ec2.responses._base_response import EC2BaseResponse
from moto.ec2.responses.amis import AmisResponse

# Inspector's severity labels as EC2 spells them, lowest first (the
# SeverityLabel enum of the EC2 model).
SEVERITY_LABELS = ["informational", "low", "medium", "high", "critical"]


def _scans():
    path = os.environ.get("GOLDEN_FLEET_INSPECTOR_SCANS")
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _findings(scan):
    return (scan or {}).get("findings") or []


def _scan_results_xml(scan):
    labels = [f["severityLabel"] for f in _findings(scan)]
    xml = f"<scanResults><findingScanDate>{escape(scan['scanDate'])}</findingScanDate>"
    if labels:
        highest = max(labels, key=SEVERITY_LABELS.index)
        xml += f"<highestFindingSeverityLabel>{highest}</highestFindingSeverityLabel>"
    return xml + "</scanResults>"


_describe_images = AmisResponse.describe_images


def _describe_images_with_scan_results(self):
    result = _describe_images(self)
    scans = _scans()
    if not scans:
        return result
    status, headers, body = self.serialized(result)
    if status != 200:
        return result
    if isinstance(body, bytes):
        body = body.decode()

    def add(match):
        scan = scans.get(match.group(2))
        return match.group(0) + (_scan_results_xml(scan) if scan else "")

    return re.sub(r"(<imageId>)(ami-[0-9a-f]+)(</imageId>)", add, body)


def _get_image_findings(self):
    ami = self._get_param("ImageId")
    # The AMI must exist and be visible to the caller, as for DescribeImages.
    self.ec2_backend.describe_images(ami_ids=[ami])
    items = ""
    for f in _findings(_scans().get(ami)):
        items += "<item>"
        items += f"<severityLabel>{escape(f['severityLabel'])}</severityLabel><title>{escape(f.get('title', ''))}</title>"
        items += f"<fixAvailable>{'true' if f.get('fixAvailable') else 'false'}</fixAvailable>"
        items += "</item>"
    return (
        '<GetImageFindingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        "<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>"
        f"<imageFindingSet>{items}</imageFindingSet></GetImageFindingsResponse>"
    )


# botocore's EC2 model, which moto parses requests with, has no
# GetImageFindings: its one parameter is read from the query string.
_parse_parameters = EC2BaseResponse.parse_parameters


def _parse_parameters_get_image_findings(self, request):
    if self._get_action() == "GetImageFindings":
        self.params = {"ImageId": self.querystring.get("ImageId", [None])[0]}
        return
    _parse_parameters(self, request)


EC2BaseResponse.parse_parameters = _parse_parameters_get_image_findings
AmisResponse.describe_images = _describe_images_with_scan_results
AmisResponse.get_image_findings = _get_image_findings
