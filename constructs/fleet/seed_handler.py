# Custom::GoldenAmiSeed: puts the golden AMI parameter's seed once and
# answers CloudFormation only when Parameter Store has created it.
# PutParameter of an aws:ec2:image value answers 200 before Parameter
# Store has checked the AMI; the parameter appears only if the check
# passes (SSM API reference, PutParameter, DataType).
import time

import boto3
import cfnresponse

POLL_SECONDS = 2
MARGIN_MS = 20000


def handler(event, context):
    props = event["ResourceProperties"]
    name = props["Name"]
    try:
        if event["RequestType"] == "Create":
            create(props, context)
        # Update and Delete: nothing. No stack update writes the
        # parameter, and it outlives the stack.
        cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, name)
    except Exception as e:  # CloudFormation must get an answer
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, name, reason=str(e)[:900])


def create(props, context):
    ssm = boto3.client("ssm")
    name, value = props["Name"], props["Value"]
    args = {"Name": name, "Value": value, "Type": "String", "DataType": "aws:ec2:image",
            "Overwrite": False, "Description": props.get("Description", "")}
    if props.get("Tags"):
        args["Tags"] = props["Tags"]
    try:
        ssm.put_parameter(**args)
    except ssm.exceptions.ParameterAlreadyExists:
        return  # the stack was created again: the parameter keeps its value
    ec2 = boto3.client("ec2")
    while True:
        try:
            if ssm.get_parameter(Name=name)["Parameter"]["Value"] == value:
                return
        except ssm.exceptions.ParameterNotFound:
            pass
        images = ec2.describe_images(Filters=[{"Name": "image-id", "Values": [value]}])["Images"]
        if not images or images[0]["State"] not in ("pending", "available"):
            state = images[0]["State"] if images else "not found"
            raise RuntimeError(f"seed AMI {value} is {state}: Parameter Store will not create {name}")
        if context.get_remaining_time_in_millis() < MARGIN_MS:
            raise RuntimeError(
                f"{name} did not appear with {value}: Parameter Store's check of the AMI failed "
                "(the AMI does not exist or is not available, or the writer may not ec2:DescribeImages); "
                "see the Parameter Store Change events of the parameter")
        time.sleep(POLL_SECONDS)
