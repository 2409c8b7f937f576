/**
 * A stand-in for the part of the GitHub REST API the action calls (through
 * @actions/github's Octokit): `GET /repos/{owner}/{repo}/actions/runs/{run_id}`.
 * Runs are set by the test; unknown runs are 404, a wrong token is 401, and `failWith`
 * makes every request answer that status. Point GITHUB_API_URL at `url`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RunStatus = 'queued' | 'in_progress' | 'completed';

export class GitHubApiEmulator {
  readonly log: { method: string; path: string; status: number }[] = [];
  readonly token: string;
  failWith?: number;
  url = '';
  private readonly runs = new Map<string, { status: RunStatus; endedAt?: string }>();
  private readonly sockets = new Set<Socket>();
  private server?: Server;

  constructor(token = 'ghs_emulatedtoken') {
    this.token = token;
  }

  setRun(runId: string, status: RunStatus, endedAt?: Date): this {
    this.runs.set(runId, { status, endedAt: endedAt?.toISOString() });
    return this;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://github').pathname;
      const answer = (status: number, body: unknown) => {
        this.log.push({ method: req.method ?? 'GET', path, status });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (this.failWith) return answer(this.failWith, { message: 'Server Error' });
      if (req.headers.authorization !== `token ${this.token}` && req.headers.authorization !== `Bearer ${this.token}`) {
        return answer(401, { message: 'Bad credentials' });
      }
      const match = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)$/.exec(path);
      const run = match ? this.runs.get(match[3] as string) : undefined;
      if (req.method !== 'GET' || !match || !run) return answer(404, { message: 'Not Found' });
      const { status, endedAt } = run;
      answer(200, {
        id: Number(match[3]),
        status,
        conclusion: status === 'completed' ? 'success' : null,
        updated_at: (status === 'completed' && endedAt) || new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        html_url: `https://github.com/${match[1]}/${match[2]}/actions/runs/${match[3]}`,
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
