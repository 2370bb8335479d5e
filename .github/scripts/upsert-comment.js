// Posts the file as the pull request's cdk diff comment, or updates the
// comment an earlier run posted: it is found by the hidden marker on its
// first line, among the comments of a bot (this workflow's token). One
// comment per pull request, however many pushes.
//
// Called from actions/github-script:
//   await require('./.github/scripts/upsert-comment.js')({ github, context, core, file })
const fs = require('fs');

const MARKER = '<!-- golden-fleet:cdk-diff -->';
const LIMIT = 65536; // GitHub's limit on a comment body

module.exports = async ({ github, context, core, file }) => {
  let body = fs.readFileSync(file, 'utf8');
  if (!body.startsWith(MARKER)) {
    body = `${MARKER}\n${body}`;
  }
  if (body.length > LIMIT) {
    body = `${body.slice(0, LIMIT - 200)}\n\n… cut: see the job log and the cdk-diff artifact.\n`;
  }
  const { owner, repo } = context.repo;
  const issue_number = context.payload.pull_request.number;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number, per_page: 100,
  });
  const previous = comments.find(
    (c) => c.user && c.user.type === 'Bot' && c.body && c.body.startsWith(MARKER),
  );
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    core.info(`updated ${previous.html_url}`);
  } else {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
    core.info(`created ${data.html_url}`);
  }
};
