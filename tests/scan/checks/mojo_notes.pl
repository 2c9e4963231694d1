#!/usr/bin/env perl
# A notes API in Mojolicious::Lite, its sessions in Mojolicious' own signed cookie (named
# "mojolicious"), the user kept under "user" as the Mojolicious guides do. The secret is the
# first argument. Prints its URL on the first line, then serves until it is terminated.
use Mojolicious::Lite -signatures;
use Mojo::Server::Daemon;

app->secrets([shift @ARGV]);
app->log->level('fatal');

my %users = (
  maria => {password => 'maria-pw-1', note => "maria's diary"},
  tom   => {password => 'tom-pw-1',   note => "tom's plans"},
);

my $ok = {200 => {description => 'ok', content => {'application/json' => {schema => {}}}}};
my $contract = {
  openapi    => '3.0.3',
  info       => {title => 'notes', version => '1'},
  components => {securitySchemes => {cookie => {type => 'apiKey', in => 'cookie', name => 'mojolicious'}}},
  security   => [{cookie => []}],
  paths      => {
    '/auth/login' => {post => {security => [], responses => $ok, requestBody => {content => {
      'application/json' => {schema => {type => 'object', properties => {
        username => {type => 'string'}, password => {type => 'string'}}}}}}}},
    '/notes/mine' => {get => {responses => $ok}},
  },
};

get '/openapi.json' => sub ($c) { $c->render(json => $contract) };

post '/auth/login' => sub ($c) {
  my $body = $c->req->json // {};
  my $user = $users{$body->{username} // ''};
  return $c->render(json => {error => 'invalid credentials'}, status => 401)
    unless $user && $user->{password} eq ($body->{password} // '');
  $c->session(user => $body->{username});
  $c->render(json => {message => 'welcome'});
};

get '/notes/mine' => sub ($c) {
  my $name = $c->session('user');
  return $c->render(json => {error => 'log in first'}, status => 401) unless $name && $users{$name};
  $c->render(json => {owner => $name, note => $users{$name}{note}});
};

my $daemon = Mojo::Server::Daemon->new(app => app, listen => ['http://127.0.0.1:0'], silent => 1);
$daemon->start;
$| = 1;
print 'http://127.0.0.1:' . $daemon->ports->[0] . "\n";
Mojo::IOLoop->start;
