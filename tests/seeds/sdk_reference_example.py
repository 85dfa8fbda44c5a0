# The example of the batch section of an SDK reference (shared/seeds/000_12fd0156d2e9039a.txt),
# its four code blocks one after the other, with their indentation restored: the text lost
# it. Nothing else is changed; the tests check that, line for line, it is the document's
# code, and run it against the emulator with four lines changed: the import, the client's
# construction, the one-minute sleep, and f.write(results) as f.write(results.read()).
import json
# Create batch requests file
batch_requests = []
# Add multiple chat completion requests
for i in range(100):
    request = {
        "custom_id": f"request-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "mistral-small-latest",
            "messages": [
                {"role": "user", "content": f"Summarize topic number {i}"}
            ],
            "max_tokens": 100
        }
    }
    batch_requests.append(request)
# Save to JSONL file
with open("batch_requests.jsonl", "w") as f:
    for request in batch_requests:
        f.write(json.dumps(request) + "\n")

from mistralai import Mistral
client = Mistral(api_key="your-api-key")
# Upload batch requests file
upload_result = client.files.upload(
    file="batch_requests.jsonl",
    purpose="batch"
)
# Create batch job
batch_job = client.batch.create(
    input_files=[upload_result.id],
    endpoint="/v1/chat/completions",
    completion_window="24h",
    metadata={"description": "Batch summarization job"}
)
print(f"Created batch job: {batch_job.id}")
print(f"Status: {batch_job.status}")

import time
# Monitor batch job
while True:
    batch_status = client.batch.get(batch_job.id)
    print(f"Batch status: {batch_status.status}")
    print(f"Completed: {batch_status.request_counts.completed}")
    print(f"Failed: {batch_status.request_counts.failed}")
    print(f"Total: {batch_status.request_counts.total}")
    if batch_status.status in ["completed", "failed", "cancelled"]:
        break
    time.sleep(60) # Check every minute
# Download results
if batch_status.status == "completed" and batch_status.output_file_id:
    results = client.files.download(batch_status.output_file_id)
    # Save results
    with open("batch_results.jsonl", "wb") as f:
        f.write(results)
    print("Batch processing completed successfully!")

import json
# Read and process batch results
with open("batch_results.jsonl", "r") as f:
    for line in f:
        result = json.loads(line)
        custom_id = result["custom_id"]
        if result["response"]["status_code"] == 200:
            response_body = result["response"]["body"]
            content = response_body["choices"][0]["message"]["content"]
            print(f"{custom_id}: {content[:100]}...")
        else:
            error = result["response"]["body"]
            print(f"{custom_id}: Error - {error}")
