/* httpd — a loopback HTTP/1.1 server for unit tests, compiled into the test that includes it.
 * One thread per connection; each request (its head, up to the blank line: request bodies are
 * not read) is handed to the serve callback, which writes the answer with httpd_send() and
 * returns false to close the connection. */
#ifndef TOPS_TEST_HTTPD_H
#define TOPS_TEST_HTTPD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef bool (*httpd_serve_fn)(int fd, const char *req);

static httpd_serve_fn httpd_serve;
static int httpd_listen_fd;
static int httpd_accepted;
static pthread_mutex_t httpd_mu = PTHREAD_MUTEX_INITIALIZER;

static void httpd_send(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

static void *httpd_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192];
	size_t have = 0;
	for (;;) {
		ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		if (!httpd_serve(fd, buf))
			break;
		size_t used = (size_t)(end + 4 - buf);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	close(fd);
	return NULL;
}

static void *httpd_accept(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(httpd_listen_fd, NULL, NULL);
		if (fd < 0)
			return NULL;
		pthread_mutex_lock(&httpd_mu);
		httpd_accepted++;
		pthread_mutex_unlock(&httpd_mu);
		pthread_t t;
		pthread_create(&t, NULL, httpd_conn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

/* Connections accepted so far. */
__attribute__((unused)) static int httpd_accepts(void)
{
	pthread_mutex_lock(&httpd_mu);
	int n = httpd_accepted;
	pthread_mutex_unlock(&httpd_mu);
	return n;
}

/* Listens on 127.0.0.1 (a free port) and serves with fn; returns the port, or -1. */
static int httpd_start(httpd_serve_fn fn)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	httpd_serve = fn;
	httpd_listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(httpd_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(httpd_listen_fd, (struct sockaddr *)&a, sizeof a) || listen(httpd_listen_fd, 16))
		return -1;
	socklen_t l = sizeof a;
	getsockname(httpd_listen_fd, (struct sockaddr *)&a, &l);
	pthread_t t;
	pthread_create(&t, NULL, httpd_accept, NULL);
	pthread_detach(t);
	return ntohs(a.sin_port);
}

#endif
